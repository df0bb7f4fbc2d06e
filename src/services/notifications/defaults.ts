/**
 * Built-in templates: what a type says when the tenant has no template of its own. Keyed by
 * type, then language (base subtag). `en` exists for every type; it is the last fallback.
 * Variables are the producers' `data`/`variables` fields (see producers.ts and the order
 * producers' messages: orderNumber, total, currency, trackingNumber, amount ...).
 */
export interface BuiltInTemplate {
  title: string;
  body: string;
}

export const BUILT_IN_TEMPLATES: Record<string, Record<string, BuiltInTemplate>> = {
  ORDER_CONFIRMATION: {
    en: {
      title: 'Order {{orderNumber}} confirmed',
      body: 'Thank you! Your order {{orderNumber}} ({{total}} {{currency}}) has been confirmed.',
    },
    es: {
      title: 'Pedido {{orderNumber}} confirmado',
      body: '¡Gracias! Tu pedido {{orderNumber}} ({{total}} {{currency}}) ha sido confirmado.',
    },
  },
  ORDER_CANCELLED: {
    en: { title: 'Order {{orderNumber}} cancelled', body: 'Your order {{orderNumber}} has been cancelled. {{reason}}' },
  },
  PAYMENT_FAILED: {
    en: {
      title: 'Payment for order {{orderNumber}} failed',
      body: 'We could not charge {{total}} {{currency}} for order {{orderNumber}}. Please update your payment method.',
    },
  },
  ORDER_SHIPPED: {
    en: { title: 'Order {{orderNumber}} shipped', body: 'Your order {{orderNumber}} is on its way.' },
    es: { title: 'Pedido {{orderNumber}} enviado', body: 'Tu pedido {{orderNumber}} está en camino.' },
  },
  ORDER_DELIVERED: {
    en: { title: 'Order {{orderNumber}} delivered', body: 'Your order {{orderNumber}} has been delivered. Enjoy!' },
  },
  REFUND_ISSUED: {
    en: {
      title: 'Refund for order {{orderNumber}}',
      body: 'We refunded {{amount}} {{currency}} for order {{orderNumber}}.',
    },
  },
  REVIEW_APPROVED: {
    en: { title: 'Your review is live', body: 'Your review of {{productName}} has been approved and is now public.' },
  },
  REVIEW_REJECTED: {
    en: { title: 'Your review was not published', body: 'Your review of {{productName}} was not approved. {{note}}' },
  },
  REVIEW_RESPONSE: {
    en: {
      title: 'The seller answered your review',
      body: 'The seller responded to your review of {{productName}}: {{response}}',
    },
  },
  PASSWORD_CHANGED: {
    en: {
      title: 'Your password was changed',
      body: 'The password of your account was changed. If this was not you, contact support now.',
    },
  },
  TFA_ENABLED: {
    en: {
      title: 'Two-factor authentication enabled',
      body: 'Two-factor authentication is now on for your account. If this was not you, contact support now.',
    },
  },
  TFA_DISABLED: {
    en: {
      title: 'Two-factor authentication disabled',
      body: 'Two-factor authentication was turned off for your account. If this was not you, contact support now.',
    },
  },
  API_KEY_CREATED: {
    en: {
      title: 'New API key created',
      body: 'An API key "{{keyName}}" ({{keyPrefix}}…) was created on your account. If this was not you, revoke it and contact support.',
    },
  },
  ACCOUNT_LOCKED: {
    en: {
      title: 'Your account is temporarily locked',
      body: 'Sign-in to your account is paused after too many failed attempts in a row. It resumes by itself (after longer pauses if the failures go on); your open sessions stay signed in. If this was not you, consider changing your password.',
    },
  },
  NEW_SIGN_IN: {
    en: {
      title: 'New sign-in to your account',
      body: 'Your account was signed in to from a new device or network ({{network}}, {{device}}). If this was not you, change your password.',
    },
  },
};
