/**
 * Model families of the training stage behind one Classifier contract. The scorer should import a
 * family's model module directly (e.g. `gbdt/GbdtModel.js`) to load models without pulling in trainers.
 */
export type { Classifier, FitOptions, Matrix, Model, ModelJson } from './Classifier.js';
export { LogisticRegression, type LogRegParams } from './logreg/LogisticRegression.js';
export { LogRegModel, type LogRegModelData } from './logreg/LogRegModel.js';
export { GbdtClassifier } from './gbdt/GbdtClassifier.js';
export { GbdtModel, type GbdtModelData, type GbdtTree } from './gbdt/GbdtModel.js';
export type { GbdtParams } from './gbdt/GbdtParams.js';
export { trainGbdt, type GbdtFitOptions, type GbdtTrainResult } from './gbdt/trainGbdt.js';
export { featureImportance, type ImportanceKind } from './gbdt/featureImportance.js';
