/**
 * Prints where a process's CPU went, from the `.cpuprofile` that
 * `bun --cpu-prof --cpu-prof-dir=DIR` wrote: the top files and functions.
 *
 * @example
 * await printProfile('/tmp/worker-profile-123')
 */
export async function printProfile(dir: string, top = 25): Promise<void> {
  const [file] = [...new Bun.Glob('*.cpuprofile').scanSync(dir)]
  if (!file) throw new Error(`no profile in ${dir}`)
  const profile = (await Bun.file(`${dir}/${file}`).json()) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
    samples: number[]
    timeDeltas: number[]
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const byFunction = new Map<string, number>()
  const byFile = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)
    const delta = profile.timeDeltas[i] ?? 0
    const where = frame?.url.split('/').slice(-2).join('/')
    const name = `${frame?.functionName || '(anonymous)'} ${where}:${frame?.lineNumber}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + delta)
    const url =
      frame?.url
        .replace(/.*node_modules\//, '')
        .split('/')
        .slice(0, 2)
        .join('/') || '(native)'
    byFile.set(url, (byFile.get(url) ?? 0) + delta)
  })
  const total = profile.timeDeltas.reduce((a, b) => a + b, 0)
  const list = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n')
  console.log(`\nby file:\n${list(byFile, 12)}\n\nby function:\n${list(byFunction, top)}`)
}
