/**
 * Watches the client-to-server half of a PostgreSQL connection for the Terminate
 * message ('X', length 4), across arbitrary chunk boundaries.
 *
 * Why: a client that ends a connection sends Terminate and expects the server to
 * close the socket. PostgreSQL does; `pglite-server` (the embedded dev database) does
 * not, so without this the WebSocket proxy kept every finished connection open until
 * PGlite's connection limit was reached and the dev stack stopped answering.
 *
 * Wire format (protocol 3): the first message of a connection is untyped (Int32
 * length, then the body: a StartupMessage, or an SSLRequest/GSSENCRequest that the
 * server answers with one byte before the real StartupMessage follows, again untyped).
 * Every later message is a type byte then an Int32 length that counts itself.
 */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export function createTerminateWatcher(): (chunk: Buffer) => boolean {
  let startup = true;
  let header = Buffer.alloc(0); // bytes of the current message header read so far
  let skip = 0; // body bytes of the current message still to pass over
  let terminated = false;

  return (chunk) => {
    let i = 0;
    while (i < chunk.length && !terminated) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      // Startup messages: Int32 length + Int32 protocol version or request code (>= 8 bytes).
      const headerLength = startup ? 8 : 5;
      const take = Math.min(headerLength - header.length, chunk.length - i);
      header = Buffer.concat([header, chunk.subarray(i, i + take)]);
      i += take;
      if (header.length < headerLength) break;
      if (startup) {
        const code = header.readInt32BE(4);
        skip = header.readInt32BE(0) - 8;
        // An SSL/GSSENC request is followed by another untyped startup message.
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) startup = false;
      } else {
        if (header[0] === 0x58 /* 'X' */) terminated = true;
        skip = header.readInt32BE(1) - 4;
      }
      header = Buffer.alloc(0);
    }
    return terminated;
  };
}
