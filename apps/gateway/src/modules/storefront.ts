import { apiError } from '@flash/http'
import { Elysia } from 'elysia'

/** The storefront's HTML entry (apps/storefront), bundled with its scripts and styles by Bun. */
const STOREFRONT_ENTRY = new URL('../../../storefront/src/index.html', import.meta.url).pathname

type BuiltFile = { body: Blob; headers: Record<string, string> }

/**
 * The page admits only its own bundle: no inline script, nothing from
 * another origin, no framing. The session's tokens live in localStorage;
 * this is what keeps a stranger's script from reading them.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  // A new bundle takes effect on the next load; the assets it names are content-hashed.
  'cache-control': 'no-cache',
}

/**
 * The storefront at `/`, on the gateway's own origin so its calls to the
 * API need no CORS. The bundle (`Bun.build`, minified, assets named by
 * their content's hash under `/assets/`) is made on the first request and
 * kept for the life of the process: the gateway's own tests and a bench
 * never pay for it. An edit to the storefront shows after a restart.
 *
 * @example
 * new Elysia().use(storefrontController())
 * // GET / -> the page; GET /assets/main-1a2b3c.js -> its script
 */
export function storefrontController(
  options: { entry?: string; log?: (line: string) => void } = {},
) {
  const entry = options.entry ?? STOREFRONT_ENTRY
  const log = options.log ?? ((line: string) => console.error(line))
  let built: Promise<Map<string, BuiltFile>> | undefined
  const files = () => {
    built ??= buildStorefront(entry).catch((error: unknown) => {
      // Not kept: the next request tries again (a file saved half-way through an edit).
      built = undefined
      throw error
    })
    return built
  }
  const serveFile = async (path: string) => {
    try {
      const file = (await files()).get(path)
      if (!file) return apiError(404, 'not_found', `no file ${path}`)
      return new Response(file.body, { headers: file.headers })
    } catch (error) {
      log(`[gateway] the storefront could not be built: ${String(error)}`)
      return apiError(500, 'internal', 'the storefront could not be built; it has been logged')
    }
  }
  const hidden = { detail: { hide: true } }
  return new Elysia({ name: 'storefront' })
    .get('/', () => serveFile('/index.html'), hidden)
    .get('/assets/:file', ({ params }) => serveFile(`/assets/${params.file}`), hidden)
}

/**
 * The storefront's production bundle in memory, by the path each file is
 * served at.
 *
 * @example
 * (await buildStorefront(entry)).get('/index.html')
 */
export async function buildStorefront(entry: string): Promise<Map<string, BuiltFile>> {
  const result = await Bun.build({
    entrypoints: [entry],
    minify: true,
    publicPath: '/',
    naming: {
      entry: '[name].[ext]',
      chunk: 'assets/[name]-[hash].[ext]',
      asset: 'assets/[name]-[hash].[ext]',
    },
  })
  if (!result.success) throw new AggregateError(result.logs, 'Bun.build failed')
  const files = new Map<string, BuiltFile>()
  for (const output of result.outputs) {
    const path = output.path.replace(/^\./, '')
    const page = path.endsWith('.html')
    files.set(path, {
      body: output,
      headers: {
        'content-type': output.type,
        ...(page ? PAGE_HEADERS : { 'cache-control': 'public, max-age=31536000, immutable' }),
      },
    })
  }
  return files
}
