// Types of the standalone loader ntkw-quantized.mjs (see that file and docs/quantized-format.md).
import type * as tf from '@tensorflow/tfjs-core'

export declare const FORMAT: 'ntkw-quantized'
export declare const VERSION: 1
export declare const MAGIC: Uint8Array

export declare class NtkwFormatError extends Error {
  readonly code: string
  constructor(code: string, message: string)
}

export interface NtkwRegion {
  offset: number
  byteLength: number
}
export type NtkwGranularity = 'tensor' | 'channel' | { group: number }
export interface NtkwWeightEntry {
  name: string
  shape: number[]
  dtype: 'float32'
  encoding: 'float32' | 'float16' | 'uniform' | 'power' | 'codebook'
  data: NtkwRegion
  crc32: number
  bits?: number
  granularity?: NtkwGranularity
  scheme?: 'affine' | 'symmetric'
  codes?: NtkwRegion
  scales?: NtkwRegion
  zeroPoints?: NtkwRegion
  zeroPoint?: number
  codebook?: NtkwRegion
  exponent?: number
}
export interface NtkwQuantizedSection {
  version: 1
  modelTopology: unknown
  weightsPath: string
  byteLength: number
  weights: NtkwWeightEntry[]
}
export interface NtkwModelJson {
  format: 'ntkw-quantized'
  generatedBy?: string
  ntkwQuantized: NtkwQuantizedSection
  [key: string]: unknown
}

export declare function crc32(bytes: Uint8Array): number
export declare function unpackCodes(bytes: Uint8Array, bits: number, count: number): Uint16Array
export declare function readManifest(modelJson: unknown): NtkwQuantizedSection
export declare function decodeNtkwWeights(modelJson: unknown, weightData: ArrayBuffer | Uint8Array): { name: string; shape: number[]; values: Float32Array }[]
export declare function decodeNtkwTensors(modelJson: unknown, weightData: ArrayBuffer | Uint8Array): tf.NamedTensorMap
export declare function ntkwToModelArtifacts(modelJson: NtkwModelJson, weightData: ArrayBuffer | Uint8Array): tf.io.ModelArtifacts
export declare function loadNtkwModel(
  source: string | { modelJson: NtkwModelJson; weightData: ArrayBuffer | Uint8Array },
  options?: { layers?: { loadLayersModel(handler: tf.io.IOHandler): Promise<unknown> }; fetch?: typeof fetch },
): Promise<unknown>
