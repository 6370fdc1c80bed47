// OutageTray's Bluesky test peer: a PDS and a PLC directory, both bound to 127.0.0.1 only.
// Ports and the data directory come from PLC_PORT, PDS_PORT and PDS_DATA (the caller makes a fresh
// one per start). Prints one line starting with READY when both answer; stops cleanly on SIGTERM.
// Modules are found through NODE_PATH (tests/support/bluesky_peer.py points it at .peers/bluesky).
'use strict'
const http = require('http')
const listen = http.Server.prototype.listen
http.Server.prototype.listen = function (...args) {
  // The PDS and PLC call listen(port): pin them to loopback so nothing is exposed.
  const port = args[0]
  if ((typeof port === 'number' || /^\d+$/.test(String(port))) && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1')
  }
  return listen.apply(this, args)
}
const crypto = require('crypto')
const fs = require('fs')
const os = require('os')
const path = require('path')

const PLC_PORT = Number(process.env.PLC_PORT || 2582)
const PDS_PORT = Number(process.env.PDS_PORT || 2583)
const data = process.env.PDS_DATA || fs.mkdtempSync(path.join(os.tmpdir(), 'outagetray-pds-'))
const hex = () => crypto.randomBytes(32).toString('hex')

async function main () {
  const plc = require('@did-plc/server')
  const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: PLC_PORT })
  await plcServer.start()
  fs.mkdirSync(path.join(data, 'blobs'), { recursive: true })
  Object.assign(process.env, {
    PDS_HOSTNAME: 'localhost',
    PDS_PORT: String(PDS_PORT),
    PDS_DEV_MODE: 'true',
    PDS_DATA_DIRECTORY: data,
    PDS_BLOBSTORE_DISK_LOCATION: path.join(data, 'blobs'),
    PDS_REPO_SIGNING_KEY_K256_PRIVATE_KEY_HEX: hex(),
    PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: hex(),
    PDS_DPOP_SECRET: hex(),
    PDS_JWT_SECRET: hex(),
    PDS_ADMIN_PASSWORD: process.env.PDS_ADMIN_PASSWORD || hex(),
    PDS_DID_PLC_URL: `http://127.0.0.1:${PLC_PORT}`,
    PDS_SERVICE_HANDLE_DOMAINS: '.test',
    PDS_INVITE_REQUIRED: 'false',
    PDS_CRAWLERS: '',
    PDS_DISABLE_SSRF_PROTECTION: 'true',
    LOG_ENABLED: 'false',
  })
  const { PDS, envToCfg, envToSecrets, readEnv } = require('@atproto/pds')
  const env = readEnv()
  const pds = await PDS.create(envToCfg(env), envToSecrets(env))
  await pds.start()
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    try {
      await pds.destroy()
      await plcServer.destroy()
    } finally {
      process.exit(0)
    }
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  console.log(`READY pds=http://127.0.0.1:${PDS_PORT} plc=http://127.0.0.1:${PLC_PORT} data=${data}`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
