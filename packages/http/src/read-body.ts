/**
 * A request's body, counted as it arrives and abandoned at the first byte
 * over `maxBytes` (undefined then): a chunked body has no Content-Length to
 * check first, and buffering it whole before counting would let one request
 * fill the memory. A declared Content-Length already within the limit (what
 * every client of ours sends) is read in one step.
 *
 * @example
 * const bytes = await readBody(request, 16_384)
 * if (bytes === undefined) return apiError(413, 'payload_too_large', 'body over 16384 bytes')
 */
export async function readBody(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const declared = request.headers.get('content-length')
  if (declared !== null) {
    if (Number(declared) > maxBytes) return undefined
    const bytes = new Uint8Array(await request.arrayBuffer())
    // Over HTTP the length frames the body; a Request built in process can carry more.
    return bytes.byteLength > maxBytes ? undefined : bytes
  }
  if (request.body === null) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, size)
}
