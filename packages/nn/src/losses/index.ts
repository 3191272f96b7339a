export { type BceWithLogitsOptions, binaryCrossEntropyWithLogits } from './bce';
export { type CrossEntropyOptions, crossEntropy, type NllLossOptions, nllLoss } from './cross-entropy';
export { BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss } from './modules';
export { type MseLossOptions, mseLoss } from './mse';
export type { Reduction } from './reduction';
