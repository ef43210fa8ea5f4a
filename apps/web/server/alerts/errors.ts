// Errors the user can act on: a stable code, the offending field, and a sentence saying what to do.

export type AlertErrorCode =
  | 'RULE_INVALID'
  | 'RULE_NOT_FOUND'
  | 'RULE_READONLY'
  | 'RULE_NAME_TAKEN'
  | 'RULES_FILE_INVALID'
  | 'TARGET_URL_REFUSED';

export class AlertError extends Error {
  readonly code: AlertErrorCode;
  /** Dotted path of the offending field, e.g. "targets[0].url". */
  readonly field?: string;
  /** HTTP status the API answers with. */
  readonly status: number;

  constructor(code: AlertErrorCode, message: string, field?: string, status = 400) {
    super(message);
    this.name = 'AlertError';
    this.code = code;
    this.field = field;
    this.status = status;
  }

  toJSON(): { error: { code: string; message: string; field?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.field !== undefined ? { field: this.field } : {}) } };
  }
}
