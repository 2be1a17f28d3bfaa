/**
 * Model-quality metrics for binary fraud labels: ranking (ROC AUC, average precision), calibration
 * (log loss) and the Handbook's card precision top-k. Values match scikit-learn's definitions.
 */
export { auc } from './auc.js';
export { averagePrecision } from './averagePrecision.js';
export { logLoss } from './logLoss.js';
export { cardPrecisionAtK, toCardTransactions } from './cardPrecisionAtK.js';
export type { CardPrecisionAtK, CardTransaction, CardTransactions, Key } from './cardPrecisionAtK.js';
