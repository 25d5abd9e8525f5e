import type { CliCommand } from '../command'

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'host the app without Electron: the UI over HTTP and the API over a WebSocket (loopback + token)',
  usage: `Usage: ntkw serve [--port N] [--host H] [--project FILE] [--no-token]

Serves the built renderer and main's services on http://127.0.0.1:PORT/ so the app works in any browser.
The WebSocket API requires a random token, passed in the printed URL; open that URL.

Options:
  --port N        port (default 5199; 0 = any free port)
  --host H        interface to bind (default 127.0.0.1). Binding elsewhere exposes your projects
                  and compute to the network: only do it behind a trusted tunnel.
  --project FILE  open this project at start (created if it does not exist); default: your most
                  recent project, else the example project
  --no-token      do not require the token (loopback-only development; not recommended)

Prints 'NTKW_SERVE_URL=<url>' on stdout when ready. Stop with Ctrl-C.
`,
  options: { port: { type: 'string' }, host: { type: 'string' }, project: { type: 'string' }, 'no-token': { type: 'boolean' } },
  load: () => import('../actions/serve'),
}
