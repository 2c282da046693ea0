"""diff_resp.py: the differential test's raw RESP2/RESP3 client (stdlib only).

Encodes requests (multibulk or raw inline bytes) and reads exactly one reply at a
time from a socket, returning both the raw reply bytes (compared byte for byte) and
a parsed form (used by the tolerant comparators: sorted KEYS, TTL slack, SCAN sets).

Parsed form: ('+', bytes) ('-', bytes) (':', int) ('$', bytes|None) ('*', list|None);
RESP3 adds ('_', None) (',', bytes) ('#', bytes) ('(', bytes) ('=', bytes) and the
aggregates ('%', list of 2n) ('~', list) ('>', list).
"""
import socket


class ConnClosed(Exception):
    """The peer closed the connection (or reset it) before a full reply arrived."""


class ConnTimeout(Exception):
    """No full reply within the timeout."""


def to_bytes(x):
    if isinstance(x, bytes):
        return x
    if isinstance(x, int):
        return str(x).encode()
    return str(x).encode('latin1')


def encode(args):
    """One multibulk request from a list of str/bytes/int arguments."""
    parts = [b'*%d\r\n' % len(args)]
    for a in args:
        a = to_bytes(a)
        parts.append(b'$%d\r\n' % len(a))
        parts.append(a)
        parts.append(b'\r\n')
    return b''.join(parts)


def show(data, limit=400):
    """Printable form of some bytes, cut to `limit` characters."""
    if data is None:
        return '<none>'
    s = repr(bytes(data))
    if len(s) > limit:
        s = s[:limit] + '...(%d bytes)' % len(data)
    return s


def show_args(args, limit=300):
    out = []
    for a in args:
        a = to_bytes(a)
        if len(a) > 60:
            out.append(repr(a[:40])[:-1] + "...'(%d bytes)" % len(a))
        else:
            out.append(repr(a))
    s = ' '.join(out)
    return s if len(s) <= limit else s[:limit] + '...'


def canon_int(text):
    """int(text), refusing any non-canonical spelling (+1, 01, ' 1', -0), so that
    encode_reply(parse(raw)) == raw holds for every reply the parser accepts."""
    v = int(text)
    if b'%d' % v != text:
        raise ValueError('non-canonical integer %r' % text)
    return v


class Conn:
    def __init__(self, port, timeout_s=10.0):
        self.port = port
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b''
        self.pos = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise ConnClosed(str(e))
        except socket.timeout:
            raise ConnTimeout('send timed out')

    def _fill(self):
        try:
            d = self.sock.recv(1 << 20)
        except socket.timeout:
            raise ConnTimeout('no reply')
        except ConnectionResetError:
            raise ConnClosed('connection reset')
        if not d:
            raise ConnClosed('connection closed')
        self.buf += d

    def _line(self):
        while True:
            i = self.buf.find(b'\r\n', self.pos)
            if i >= 0:
                line = self.buf[self.pos:i]
                self.pos = i + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n:
            self._fill()
        d = self.buf[self.pos:self.pos + n]
        self.pos += n
        return d

    def _parse(self, depth=0):
        line = self._line()
        if not line:
            raise ConnClosed('empty reply line (protocol violation)')
        t, rest = line[:1], line[1:]
        if t == b'+':
            return ('+', rest)
        if t == b'-':
            return ('-', rest)
        if t == b':':
            return (':', canon_int(rest))
        if t == b'$':
            n = canon_int(rest)
            if n < 0:
                return ('$', None)
            d = self._exact(n + 2)
            if d[-2:] != b'\r\n':
                raise ConnClosed('bulk without CRLF (protocol violation)')
            return ('$', d[:-2])
        if t == b'*' or t in (b'%', b'~', b'>'):
            n = canon_int(rest)
            if n < 0 and t == b'*':
                return ('*', None)
            if depth > 8 or n < 0:
                raise ConnClosed('reply nested too deep or negative aggregate')
            count = n * 2 if t == b'%' else n
            return (t.decode(), [self._parse(depth + 1) for _ in range(count)])
        if t == b'_' and rest == b'':
            return ('_', None)
        if t in (b',', b'#', b'('):
            return (t.decode(), rest)
        if t == b'=':
            d = self._exact(canon_int(rest) + 2)
            if d[-2:] != b'\r\n':
                raise ConnClosed('verbatim string without CRLF (protocol violation)')
            return ('=', d[:-2])
        raise ConnClosed('bad reply type byte %r' % t)

    def read_reply(self):
        """(raw bytes, parsed) of the next reply."""
        if self.pos > 0:  # compact only between replies: raw slices stay valid
            self.buf = self.buf[self.pos:]
            self.pos = 0
        try:
            parsed = self._parse()
        except ValueError as e:
            raise ConnClosed('unparsable reply: %s' % e)
        return self.buf[:self.pos], parsed

    def read_all(self, idle_s=0.5, max_s=3.0):
        """Everything the peer sends until it closes or stays idle: (bytes, closed)."""
        import time
        out = self.buf[self.pos:]
        self.buf, self.pos = b'', 0
        deadline = time.monotonic() + max_s
        self.sock.settimeout(idle_s)
        closed = False
        while time.monotonic() < deadline:
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not d:
                closed = True
                break
            out += d
        return out, closed


def encode_reply(p):
    """Re-encodes a parsed reply (exactly invertible for RESP2)."""
    t, v = p
    if t in ('+', '-'):
        return t.encode() + v + b'\r\n'
    if t == ':':
        return b':%d\r\n' % v
    if t == '$':
        return b'$-1\r\n' if v is None else b'$%d\r\n%s\r\n' % (len(v), v)
    if t == '_':
        return b'_\r\n'
    if t in (',', '#', '('):
        return t.encode() + v + b'\r\n'
    if t == '=':
        return b'=%d\r\n%s\r\n' % (len(v), v)
    if v is None:
        return b'*-1\r\n'
    n = len(v) // 2 if t == '%' else len(v)
    return t.encode() + b'%d\r\n' % n + b''.join(encode_reply(x) for x in v)
