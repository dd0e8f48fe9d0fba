// Drives an unmodified @supabase/realtime-js client against a walcast gateway for the pytest suite.
//
// Usage: node driver.mjs '<config json>'
//   config: {"client": "v2" | "v1", "url": "ws://127.0.0.1:4000/socket", "vsn": "1.0.0" | "2.0.0" (v2 only),
//            "apikey": "...", "trace": true|false}
//   `url` is the endpoint the application would pass to the client: the client itself appends "/websocket".
//
// Commands arrive as one JSON object per line on stdin:
//   {"cmd": "subscribe", "id": "c1", "topic": "room1",                 (v2: realtime-js 2.x channel API)
//    "bindings": [{"event": "INSERT", "schema": "public", "table": "users", "filter": "id=eq.1"}, ...],
//    "config": {...optional channel config...}}
//   {"cmd": "subscribe", "id": "c1", "topic": "realtime:public:users",  (v1: legacy realtime-js 1.x)
//    "events": ["INSERT", "*"]}
//   {"cmd": "unsubscribe", "id": "c1"}
//   {"cmd": "set_auth", "token": "<jwt>"}                               (client.setAuth)
//   {"cmd": "send", "id": "c1", "event": "e", "payload": {...},          (v2: channel.send, optional "meta"; a channel not yet
//    "topic": "room1", "config": {...}}                                  subscribed is made and sends over REST)
//   {"cmd": "track", "id": "c1", "state": {...}}                         (v2: channel.track)
//   {"cmd": "quit"}
// The driver answers with one JSON object per line on stdout, every line carrying a "kind":
//   ready, socket (open/close/error), heartbeat, status (SUBSCRIBED, CHANNEL_ERROR, TIMED_OUT, CLOSED, ok/error/timeout for v1),
//   change (a callback payload, with the binding index or event it was registered for), system, log (trace only),
//   error (anything thrown, so a gateway that breaks the client shows up as a line, not as silence), bye.
// It exits when stdin closes or on "quit", so a test that dies never leaves a client behind.
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'

const require = createRequire(import.meta.url)

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

function describeError(err, withStack = false) {
  if (err === undefined || err === null) return null
  if (typeof err === 'string') return err
  if (!(err instanceof Error)) return err.message ?? err.type ?? JSON.stringify(err)
  const out = { name: err.name, message: err.message }
  if (withStack) out.stack = err.stack
  return out
}

// A client library that throws inside a socket callback must not kill the driver silently: report and go on.
process.on('uncaughtException', (err) => emit({ kind: 'error', where: 'uncaughtException', error: describeError(err, true) }))
process.on('unhandledRejection', (err) => emit({ kind: 'error', where: 'unhandledRejection', error: describeError(err, true) }))

let config
try {
  config = JSON.parse(process.argv[2] ?? '')
} catch (err) {
  emit({ kind: 'error', where: 'config', error: `argv[2] must be a JSON config: ${err.message}` })
  process.exit(2)
}

const trace = (kind, msg, data) => {
  if (config.trace) emit({ kind: 'log', log: kind, msg, data })
}

// One adapter per client generation, so the command loop below speaks to both the same way.
function makeV2() {
  const { RealtimeClient } = require('@supabase/realtime-js')
  const WebSocket = require('ws')
  const client = new RealtimeClient(config.url, {
    params: { apikey: config.apikey ?? 'walcast-test' },
    vsn: config.vsn ?? '2.0.0',
    // Node 20 has no global WebSocket: the client takes `ws` as its transport, as its own docs say.
    transport: WebSocket,
    timeout: config.timeout_ms ?? 10000,
    heartbeatIntervalMs: config.heartbeat_ms,
    logger: trace,
  })
  // sent / ok / error / timeout / disconnected: the library closes and reconnects on an unanswered heartbeat.
  client.onHeartbeat((status) => emit({ kind: 'heartbeat', status }))
  client.connect()
  const sock = client.socketAdapter?.socket ?? client.socketAdapter
  sock?.onOpen?.(() => emit({ kind: 'socket', event: 'open', url: client.endpointURL() }))
  sock?.onClose?.((e) => emit({ kind: 'socket', event: 'close', code: e?.code ?? null, reason: e?.reason ?? null }))
  sock?.onError?.((e) => emit({ kind: 'socket', event: 'error', error: describeError(e?.error ?? e?.message ?? e) }))
  const channels = new Map()

  return {
    subscribe(cmd) {
      const channel = client.channel(cmd.topic, cmd.config ? { config: cmd.config } : undefined)
      ;(cmd.bindings ?? []).forEach((binding, index) => {
        channel.on('postgres_changes', binding, (payload) =>
          emit({ kind: 'change', channel: cmd.id, binding: index, payload }))
      })
      channel.on('system', {}, (payload) => emit({ kind: 'system', channel: cmd.id, payload }))
      channel.on('broadcast', { event: '*' }, (payload) => emit({ kind: 'broadcast', channel: cmd.id, payload }))
      channel.on('presence', { event: 'sync' }, () =>
        emit({ kind: 'presence', channel: cmd.id, state: channel.presenceState() }))
      channels.set(cmd.id, channel)
      channel.subscribe((status, err) => emit({ kind: 'status', channel: cmd.id, status, error: describeError(err) }))
    },
    async unsubscribe(cmd) {
      const channel = channels.get(cmd.id)
      if (!channel) return emit({ kind: 'error', where: 'unsubscribe', error: `no channel ${cmd.id}` })
      const result = await channel.unsubscribe()
      channels.delete(cmd.id)
      emit({ kind: 'unsubscribed', channel: cmd.id, result })
    },
    async send(cmd) {
      let channel = channels.get(cmd.id)
      if (!channel) {
        channel = client.channel(cmd.topic, cmd.config ? { config: cmd.config } : undefined)
        channels.set(cmd.id, channel)
      }
      // `meta` is sent as given, so a test can try to pass a client's message off as the database's.
      const message = { type: 'broadcast', event: cmd.event, payload: cmd.payload ?? {} }
      if (cmd.meta !== undefined) message.meta = cmd.meta
      const result = await channel.send(message)
      emit({ kind: 'sent', channel: cmd.id, result })
    },
    async track(cmd) {
      const channel = channels.get(cmd.id)
      if (!channel) return emit({ kind: 'error', where: 'track', error: `no channel ${cmd.id}` })
      const result = await channel.track(cmd.state ?? {})
      emit({ kind: 'tracked', channel: cmd.id, result })
    },
    async setAuth(cmd) {
      // Pushes access_token to every joined channel when the token changed, and puts it in later join payloads.
      await client.setAuth(cmd.token)
      emit({ kind: 'auth', token: cmd.token })
    },
    async close() {
      await client.removeAllChannels().catch(() => {})
      await client.disconnect()
    },
  }
}

function makeV1() {
  const { RealtimeClient } = require('realtime-js-v1')
  // The legacy client's default transport (the `websocket` package) is used unchanged.
  const client = new RealtimeClient(config.url, {
    params: { apikey: config.apikey ?? 'walcast-test' },
    timeout: config.timeout_ms ?? 10000,
    heartbeatIntervalMs: config.heartbeat_ms,
    logger: trace,
  })
  // The legacy client has no heartbeat hook: report the replies it receives on the phoenix topic.
  client.onMessage((msg) => {
    if (msg.topic === 'phoenix' && msg.event === 'phx_reply') emit({ kind: 'heartbeat', status: msg.payload?.status })
  })
  client.onOpen(() => emit({ kind: 'socket', event: 'open', url: client.endPointURL() }))
  client.onClose((e) => emit({ kind: 'socket', event: 'close', code: e?.code ?? null, reason: e?.reason ?? null }))
  client.onError((e) => emit({ kind: 'socket', event: 'error', error: describeError(e) }))
  client.connect()
  const channels = new Map()

  return {
    subscribe(cmd) {
      const channel = client.channel(cmd.topic, cmd.params ?? {})
      for (const event of cmd.events ?? ['*']) {
        channel.on(event, (payload) => emit({ kind: 'change', channel: cmd.id, binding: event, payload }))
      }
      channels.set(cmd.id, channel)
      channel
        .subscribe()
        .receive('ok', (resp) => emit({ kind: 'status', channel: cmd.id, status: 'SUBSCRIBED', response: resp }))
        .receive('error', (resp) => emit({ kind: 'status', channel: cmd.id, status: 'CHANNEL_ERROR', response: resp }))
        .receive('timeout', () => emit({ kind: 'status', channel: cmd.id, status: 'TIMED_OUT' }))
    },
    async unsubscribe(cmd) {
      const channel = channels.get(cmd.id)
      if (!channel) return emit({ kind: 'error', where: 'unsubscribe', error: `no channel ${cmd.id}` })
      await new Promise((resolve) => {
        channel.unsubscribe().receive('ok', () => resolve('ok')).receive('timeout', () => resolve('timeout'))
      })
      channels.delete(cmd.id)
      emit({ kind: 'unsubscribed', channel: cmd.id })
    },
    setAuth(cmd) {
      // Sends user_token in later joins and access_token to every joined channel.
      client.setAuth(cmd.token)
      emit({ kind: 'auth', token: cmd.token })
    },
    async close() {
      await client.disconnect()
    },
  }
}

let driver
try {
  if (config.client === 'v1') driver = makeV1()
  else if (config.client === 'v2') driver = makeV2()
  else throw new Error(`config.client must be "v1" or "v2", not ${JSON.stringify(config.client)}`)
} catch (err) {
  emit({ kind: 'error', where: 'startup', error: describeError(err) })
  process.exit(2)
}
emit({ kind: 'ready', client: config.client })

let quitting = false
async function quit(code = 0) {
  if (quitting) return
  quitting = true
  // A gateway that never answers the leave must not keep the driver alive.
  const watchdog = setTimeout(() => process.exit(code), 3000)
  watchdog.unref()
  try {
    await driver.close()
  } catch (err) {
    emit({ kind: 'error', where: 'close', error: describeError(err) })
  }
  emit({ kind: 'bye' })
  process.exit(code)
}

const lines = createInterface({ input: process.stdin })
lines.on('line', async (line) => {
  if (!line.trim()) return
  let cmd
  try {
    cmd = JSON.parse(line)
  } catch (err) {
    return emit({ kind: 'error', where: 'command', error: `not JSON: ${line}` })
  }
  try {
    if (cmd.cmd === 'subscribe') driver.subscribe(cmd)
    else if (cmd.cmd === 'unsubscribe') await driver.unsubscribe(cmd)
    else if (cmd.cmd === 'set_auth') await driver.setAuth(cmd)
    else if (cmd.cmd === 'send' && driver.send) await driver.send(cmd)
    else if (cmd.cmd === 'track' && driver.track) await driver.track(cmd)
    else if (cmd.cmd === 'quit') await quit(0)
    else emit({ kind: 'error', where: 'command', error: `unknown command ${JSON.stringify(cmd.cmd)}` })
  } catch (err) {
    emit({ kind: 'error', where: cmd.cmd, error: describeError(err) })
  }
})
lines.on('close', () => quit(0))
