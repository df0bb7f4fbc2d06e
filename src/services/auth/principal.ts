/** Who is calling: established once per request by the auth middleware. */
export interface Principal {
  userId: string;
  tenantId: string;
  roles: string[];
  /** Effective permissions: from the token, or an API key's scopes ∩ the owner's permissions. */
  permissions: string[];
  method: 'token' | 'api-key';
  apiKeyId?: string;
}
