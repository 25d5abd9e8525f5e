// Models: networks in the TF.js Layers format (model.json + binary weights), built and run on tfjs-layers.
// The small surface other capabilities (distillation, quantization) build on:
//
//   build      buildModel(arch, {inputShape, outputs, seed}), mlpArch([256, 256], 'relu'), parseArch(json)
//   forward    model.apply(x, {training}) is the one forward pass (logits, no softmax); predictLogits(model, x)
//   train      trainModel({model, x, labels, epochs, batchSize, optimizer, learningRate, ..., loss?, onEpoch?,
//              isCancelled?}) — `loss` receives {logits, labels, x, indices} per minibatch (e.g. a KD loss)
//   evaluate   evaluateModel(model, x, labels, weightBytes, backend) → accuracy, loss, confusion, ECE, ...;
//              metrics.ts holds the one definition of loss and accuracy
//   files      modelToFiles(model, meta?) / filesToModel(files) (in memory), readModelFolder(p) /
//              writeModelFolder(dir, files) (disk), importModel(p); toStoredModel(model, meta) →
//              StoredModel for ctx.models.save(...) (core/job.ts ModelSink) or store/models.ts ModelStore
//   data       inputTensor(x, inputShape) (reshapes rows, names both shapes on mismatch), labelIds(y, classes)
//   export     mlpToLayersModel(net) folds an NTK-parameterized nn/ MLP into stock Dense layers
//
// ensureWasmTrainingKernels() (called by trainModel) adds Conv2DBackpropFilter to wasm and speeds up its
// transposed MatMuls.
export { buildModel, countParams, initWeights, mlpArch, parseArch, resolveInputShape } from './build'
export { MODEL_ACTIVATIONS, activationLayers } from './activations'
export { inputTensor, labelIds } from './data'
export { calibration, confusionStats, evaluateModel, predictLogits } from './evaluate'
export { metaOf, readModelFolder, validateModelFiles, withMeta, writeModelFolder, SUPPORTED_LAYERS, type ModelFiles, type ModelJson } from './format'
export { importModel } from './import'
export { filesToModel, inputShapeOf, modelToFiles, outputUnitsOf } from './io'
export { accuracyCount, crossEntropySum } from './metrics'
export { mlpToLayersModel } from './ntk-export'
export { loadStored, toStoredModel } from './stored'
export { evaluateLoss, scheduledLr, trainModel, type LossFn, type LossInput, type TrainModelOptions, type TrainModelResult } from './train'
export { ensureWasmTrainingKernels } from '../runtime/wasm-training-kernels'
