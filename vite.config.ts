import { defineConfig, type Connect, type Plugin } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { VitePWA } from 'vite-plugin-pwa'
import { readFileSync } from 'node:fs'
import { headerRouteFor, securityHeaders } from './src/core/security-headers.ts'

const { version } = JSON.parse(
  readFileSync(new URL('./package.json', import.meta.url), 'utf8'),
) as {
  version: string
}

const THEME_COLOUR = '#1f4e5f'

/**
 * The same headers as the relay's app server (docs/DEPLOY.md, Security headers) on every
 * response of the dev and preview servers, and `/embed` answered with the app's page under
 * the embed headers, as relay/http.ts does.
 */
function securityHeadersPlugin(): Plugin {
  const middleware =
    (dev: boolean): Connect.NextHandleFunction =>
    (req, res, next) => {
      const path = (req.url ?? '/').split(/[?#]/, 1)[0] ?? '/'
      const route = headerRouteFor(path)
      for (const [name, value] of Object.entries(securityHeaders(route, { dev }))) {
        res.setHeader(name, value)
      }
      if (route === 'embed') req.url = '/index.html'
      next()
    }
  return {
    name: 'coffer-security-headers',
    configureServer: (server) => void server.middlewares.use(middleware(true)),
    configurePreviewServer: (server) => void server.middlewares.use(middleware(false)),
  }
}

export default defineConfig({
  plugins: [
    securityHeadersPlugin(),
    svelte(),
    VitePWA({
      // injectManifest: src/sw.ts adds the streamed download (the page hands the service
      // worker a stream, which answers a download request with it) to precaching.
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      // 'prompt': a new version waits until the member presses Reload, so an upload or a
      // download in progress is never cut off by an automatic reload.
      registerType: 'prompt',
      injectRegister: false,
      // globPatterns below already precaches the icons; this avoids listing them twice.
      includeManifestIcons: false,
      manifest: {
        id: '/',
        name: 'Coffer — co-operative cloud',
        short_name: 'Coffer',
        description:
          'A co-operative cloud in the browser: members keep each other’s encrypted file shards.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: THEME_COLOUR,
        background_color: '#f6f4ef',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          {
            src: '/icons/maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png,wasm}'],
        // The libp2p bundle is larger than workbox's 2 MiB default.
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
      },
      // Navigation fallback, cache clean-up and the config.json / health exceptions are in
      // src/sw.ts now.
    }),
  ],
  define: {
    // Shown in This device; VITE_BUILD_ID (e.g. a commit) tells two deployments apart.
    'import.meta.env.VITE_APP_VERSION': JSON.stringify(
      process.env.VITE_BUILD_ID ? `${version}+${process.env.VITE_BUILD_ID}` : version,
    ),
  },
  build: { target: 'es2023', sourcemap: true },
  worker: { format: 'es' },
})
