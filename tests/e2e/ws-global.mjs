// Preloaded (`node --import`) into the PAPI CLI on a Node.js without a global WebSocket
// (before 22): the CLI reads its node's metadata over `globalThis.WebSocket`.
import WebSocket from 'ws';

globalThis.WebSocket ??= WebSocket;
