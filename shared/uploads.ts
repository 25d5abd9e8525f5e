import { z } from 'zod'

// Files dropped in a browser reach `ntkw serve` as bytes (a browser never tells a page where a dropped file
// lives): `uploads.begin` names the files, `uploads.chunk` sends each one's bytes in order as binary frames,
// `uploads.finish` imports the folder exactly as a path import of it would, `uploads.cancel` drops it.

/** bytes per `uploads.chunk`: well under the WebSocket's 1 MiB message limit with the frame's header */
export const UPLOAD_CHUNK_BYTES = 512 << 10
/** everything one upload may hold */
export const MAX_UPLOAD_BYTES = 1 << 30
export const MAX_UPLOAD_FILES = 10_000

/**
 * Files that make a model drop (imported on the Models page) rather than a dataset. One entry per format the
 * model import reads; a new importer adds its pattern here.
 */
export const MODEL_FILE_PATTERNS: RegExp[] = [/^model\.json$/i, /\.onnx$/i, /\.(h5|hdf5|keras)$/i]
export const isModelFile = (name: string): boolean => MODEL_FILE_PATTERNS.some((p) => p.test(name))

/** a relative path inside the upload: plain segments, no '..', no absolute path, no drive letters */
export const UploadPath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => p.split('/').every((s) => s.length > 0 && s.length <= 255 && s !== '.' && s !== '..' && !/[\\:\0]/.test(s)), 'a relative path of plain names separated by /')

export const UploadBegin = z
  .object({
    purpose: z.enum(['dataset', 'model']),
    files: z.array(z.object({ path: UploadPath, size: z.number().int().min(0).max(MAX_UPLOAD_BYTES) }).strict()).min(1).max(MAX_UPLOAD_FILES),
  })
  .strict()
  .refine((b) => b.files.reduce((s, f) => s + f.size, 0) <= MAX_UPLOAD_BYTES, `at most ${MAX_UPLOAD_BYTES} bytes in one upload`)
  .refine((b) => new Set(b.files.map((f) => f.path)).size === b.files.length, 'each path once')
export type UploadBegin = z.infer<typeof UploadBegin>

export const UploadChunk = z
  .object({
    uploadId: z.string().min(1).max(64),
    /** index into begin's files */
    file: z.number().int().min(0),
    /** must equal the bytes of this file received so far: chunks arrive in order */
    offset: z.number().int().min(0),
    data: z.custom<Uint8Array>((v) => v instanceof Uint8Array && v.byteLength <= UPLOAD_CHUNK_BYTES, `a Uint8Array of at most ${UPLOAD_CHUNK_BYTES} bytes`),
  })
  .strict()

export const UploadFinish = z
  .object({
    uploadId: z.string().min(1).max(64),
    /** the dataset's or model's name (default: the dropped file's or folder's name) */
    name: z.string().min(1).max(200).optional(),
  })
  .strict()
