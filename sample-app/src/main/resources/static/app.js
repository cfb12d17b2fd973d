// WebTransport sample page. window.WT is also used by the browser end-to-end tests.
'use strict';

const WT = (() => {
  let infoPromise = null;

  /** Port and certificate hash of the WebTransport server (served by the starter at /webtransport/info). */
  function info() {
    if (!infoPromise) {
      infoPromise = fetch('/webtransport/info').then(r => {
        if (!r.ok) throw new Error('GET /webtransport/info: HTTP ' + r.status);
        return r.json();
      });
    }
    return infoPromise;
  }

  function base64ToBytes(b64) {
    return Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  }

  /** Opens a session on the same host as the page, pinning the server certificate by its SHA-256 hash. */
  async function connect(path, options = {}) {
    const i = await info();
    const host = location.hostname.includes(':') ? '[' + location.hostname + ']' : location.hostname;
    const url = 'https://' + host + ':' + i.port + path;
    const wt = new WebTransport(url, Object.assign({
      serverCertificateHashes: [{ algorithm: 'sha-256', value: base64ToBytes(i.certificateHash.base64) }]
    }, options));
    await wt.ready;
    return wt;
  }

  async function readAll(readable) {
    const reader = readable.getReader();
    const chunks = [];
    let length = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
    const out = new Uint8Array(length);
    let offset = 0;
    for (const c of chunks) { out.set(c, offset); offset += c.length; }
    return out;
  }

  async function writeAll(writable, bytes) {
    const writer = writable.getWriter();
    await writer.write(bytes);
    await writer.close();
  }

  return { info, connect, readAll, writeAll };
})();
window.WT = WT;

// ---------------------------------------------------------------- UI
const $ = id => document.getElementById(id);
const enc = new TextEncoder();
const dec = new TextDecoder();

function log(text, cls) {
  const li = document.createElement('li');
  li.textContent = new Date().toLocaleTimeString() + ' ' + text;
  if (cls) li.className = cls;
  $('log').prepend(li);
}

let echo = null;

function setEchoButtons(connected) {
  $('echo-connect').disabled = connected;
  for (const id of ['echo-close', 'echo-server-close', 'echo-stream', 'echo-uni', 'echo-datagram']) {
    $(id).disabled = !connected;
  }
}

async function watchIncoming(wt, label, onText) {
  (async () => {
    const reader = wt.incomingUnidirectionalStreams.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      WT.readAll(value).then(bytes => onText(dec.decode(bytes))).catch(e => log(label + ' uni stream failed: ' + e, 'error'));
    }
  })().catch(() => {});
  (async () => {
    const reader = wt.datagrams.readable.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onText(dec.decode(value), true);
    }
  })().catch(() => {});
  wt.closed.then(c => log(label + ' closed: code ' + c.closeCode + ' reason "' + c.reason + '"'))
    .catch(e => log(label + ' closed with error: ' + e, 'error'));
}

$('echo-connect').onclick = async () => {
  try {
    echo = await WT.connect('/echo');
    log('echo session ready (max datagram ' + echo.datagrams.maxDatagramSize + ' bytes)');
    setEchoButtons(true);
    watchIncoming(echo, 'echo', (text, datagram) => log('echo ' + (datagram ? 'datagram' : 'uni stream') + ': ' + text));
    echo.closed.finally(() => { setEchoButtons(false); echo = null; });
  } catch (e) {
    log('echo connect failed: ' + e, 'error');
  }
};
$('echo-close').onclick = () => echo && echo.close({ closeCode: 4000, reason: 'closed from the page' });
$('echo-server-close').onclick = async () => {
  const s = await echo.createUnidirectionalStream();
  await WT.writeAll(s, enc.encode('!close 4001 closed by the server on request'));
};
$('echo-stream').onclick = async () => {
  const s = await echo.createBidirectionalStream();
  const reply = WT.readAll(s.readable);
  await WT.writeAll(s.writable, enc.encode($('echo-text').value));
  log('echo bidi stream: ' + dec.decode(await reply));
};
$('echo-uni').onclick = async () => {
  const s = await echo.createUnidirectionalStream();
  await WT.writeAll(s, enc.encode($('echo-text').value));
};
$('echo-datagram').onclick = async () => {
  const w = echo.datagrams.writable.getWriter();
  await w.write(enc.encode($('echo-text').value));
  w.releaseLock();
};

// ---------------------------------------------------------------- chat
let chat = null;
let lastTyping = 0;

function setChat(connected) {
  $('chat-join').disabled = connected;
  $('chat-leave').disabled = !connected;
  $('chat-text').disabled = !connected;
  $('chat-send').disabled = !connected;
}

function showMessage(text) {
  const li = document.createElement('li');
  li.textContent = text;
  $('chat-messages').append(li);
}

$('chat-join').onclick = async () => {
  try {
    chat = await WT.connect('/chat/' + encodeURIComponent($('chat-room').value));
    setChat(true);
    log('joined chat room ' + $('chat-room').value);
    watchIncoming(chat, 'chat', (text, datagram) => {
      if (datagram) {
        $('chat-typing').textContent = text;
        setTimeout(() => { $('chat-typing').textContent = ''; }, 1500);
      } else {
        showMessage(text);
      }
    });
    chat.closed.finally(() => { setChat(false); chat = null; });
  } catch (e) {
    log('chat connect failed: ' + e, 'error');
  }
};
$('chat-leave').onclick = () => chat && chat.close({ closeCode: 0, reason: 'left' });
$('chat-send').onclick = async () => {
  const text = $('chat-text').value;
  if (!text) return;
  const s = await chat.createUnidirectionalStream();
  await WT.writeAll(s, enc.encode($('chat-name').value + ': ' + text));
  $('chat-text').value = '';
};
$('chat-text').oninput = async () => {
  if (!chat || Date.now() - lastTyping < 1000) return;
  lastTyping = Date.now();
  const w = chat.datagrams.writable.getWriter();
  await w.write(enc.encode($('chat-name').value + ' is typing…'));
  w.releaseLock();
};

// ---------------------------------------------------------------- health and meters
async function refreshOperations() {
  try {
    const health = await (await fetch('/actuator/health')).json();
    $('health').textContent = JSON.stringify(health.components ? health.components.webtransport : health, null, 2);
    const scrape = await (await fetch('/actuator/prometheus')).text();
    $('meters').textContent = scrape.split('\n').filter(l => l.startsWith('webtransport_')).join('\n');
  } catch (e) {
    $('health').textContent = 'Actuator unavailable: ' + e;
  }
}

WT.info().then(i => {
  $('status').textContent = 'WebTransport server on UDP port ' + i.port + ', certificate SHA-256 ' + i.certificateHash.hex
    + (i.developmentCertificate ? ' (development certificate)' : '');
  if (typeof WebTransport === 'undefined') {
    $('status').textContent += ' — this browser has no WebTransport API (use Chromium or Chrome from http://localhost).';
  }
}).catch(e => { $('status').textContent = 'Cannot reach the server: ' + e; });
refreshOperations();
setInterval(refreshOperations, 3000);
