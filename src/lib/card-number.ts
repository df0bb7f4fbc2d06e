/**
 * Card numbers (PANs) in places meant for tokens. A payment method is a provider token
 * (`pm_...`); a PAN must never reach a provider call, a record or a message (PCI DSS keeps
 * it out of systems not built to hold it).
 */

/** Whether `text` is shaped like a card number: 12 to 19 digits, alone or grouped by spaces or dashes, passing Luhn. */
export function isCardNumberShaped(text: string): boolean {
  if (!/^\d[\d -]{10,36}\d$/.test(text)) return false;
  const digits = text.replace(/[ -]/g, '');
  return /^\d{12,19}$/.test(digits) && luhnValid(digits);
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
