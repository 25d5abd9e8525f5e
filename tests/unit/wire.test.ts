import { describe, expect, it } from 'vitest'
import { decodeMessage, encodeMessage } from '../../shared/wire'

describe('WebSocket wire format', () => {
  it('sends plain messages as JSON text and messages with typed arrays as one binary frame', () => {
    expect(encodeMessage({ id: 1, result: [1, 2] })).toBe('{"id":1,"result":[1,2]}')
    const heat = new Float32Array(512 * 512).map((_, i) => Math.sin(i) * 1e-3)
    const msg = { id: 4, result: { name: 'heatmap', shape: [512, 512], data: heat, extra: { f64: new Float64Array([Math.PI, -0]), i: new Int32Array([-7]) } } }
    const frame = encodeMessage(msg)
    expect(frame).toBeInstanceOf(Uint8Array)
    // 4 bytes per value plus a small header, where JSON digits take ~5× more
    expect((frame as Uint8Array).byteLength).toBeLessThan(heat.byteLength + 512)
    expect(JSON.stringify(Array.from(heat)).length).toBeGreaterThan(4 * (frame as Uint8Array).byteLength)
    const back = decodeMessage(frame) as typeof msg
    expect(back.id).toBe(4)
    expect(back.result.data).toBeInstanceOf(Float32Array)
    expect(back.result.data).toEqual(heat)
    expect(Array.from(back.result.extra.f64)).toEqual([Math.PI, -0])
    expect(Array.from(back.result.extra.i)).toEqual([-7])
  })

  it('decodes from an unaligned Node Buffer view and rejects truncated or forged frames', () => {
    const frame = encodeMessage({ data: new Float64Array([1.5, 2.5]) }) as Uint8Array
    const shifted = Buffer.alloc(frame.byteLength + 3)
    shifted.set(frame, 3)
    expect(Array.from((decodeMessage(shifted.subarray(3)) as { data: Float64Array }).data)).toEqual([1.5, 2.5])
    expect(() => decodeMessage(frame.subarray(0, frame.byteLength - 4))).toThrow(/overruns/)
    expect(() => decodeMessage(new Uint8Array([1, 2, 3]))).toThrow(/too short/)
    expect(() => decodeMessage(new Uint8Array(16))).toThrow(/not an NTK Workbench/)
    const forged = encodeMessage({ data: new Float32Array(1) }) as Uint8Array
    const text = new TextDecoder().decode(forged).replace('"f32",0,1', '"f32",0,9')
    expect(() => decodeMessage(new TextEncoder().encode(text))).toThrow()
  })
})
