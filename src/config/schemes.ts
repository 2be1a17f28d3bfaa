/** URI schemes options accept, in one place so help, validation and the stores agree. */

/** Object stores: local paths (`file`) and S3-compatible services. */
export const STORE_SCHEMES = ['file', 's3'] as const;

/** Tracking: an MLflow server over http(s), or the embedded store at a local path (`file`, or the word `embedded`). */
export const TRACKING_SCHEMES = ['http', 'https', 'file'] as const;

/** The pipeline's system database: PostgreSQL. */
export const POSTGRES_SCHEMES = ['postgresql', 'postgres'] as const;
