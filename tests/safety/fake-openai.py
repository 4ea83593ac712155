#!/usr/bin/env python3
"""A small OpenAI-compatible completions server for the data-safety
scripts (tests/safety/). It streams deterministic tokens at a steady pace
and remembers every request, so a script can tell what was sent, what
finished and what a client left before its end.

    fake-openai.py PORTFILE [--interval MS] [--tokens N]

Writes its port to PORTFILE once it listens. GET /stats returns every
request so far: its key (a hash of prompt and seed), when it started, the
times of the tokens sent, and whether it finished or was abandoned; and
the SHA-256 of each Authorization header received. --reject-keys answers
every completion with 401, quoting the header back as careless servers do."""
import argparse
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
requests = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def send_json(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == '/stats':
            with lock:
                self.send_json(200, {'requests': requests,
                                     'auth_sha256': self.server.auth_seen})
        elif self.path == '/v1/models':
            self.send_json(200, {'data': [{'id': 'fake'}]})
        else:
            self.send_json(404, {'error': {'message': 'no such path'}})

    def chunk(self, data):
        raw = data.encode()
        self.wfile.write(b'%x\r\n%s\r\n' % (len(raw), raw))
        self.wfile.flush()

    def do_POST(self):
        length = int(self.headers.get('Content-Length', 0))
        body = json.loads(self.rfile.read(length) or b'{}')
        if self.path != '/v1/completions':
            self.send_json(404, {'error': {'message': 'no such path'}})
            return
        auth = self.headers.get('Authorization', '')
        with lock:
            self.server.auth_seen.append(hashlib.sha256(auth.encode()).hexdigest())
        if self.server.reject_keys:
            # A careless server that quotes what it was sent.
            self.send_json(401, {'error': {'message': 'invalid key in header: %s' % auth}})
            return
        prompt = body.get('prompt', '')
        seed = body.get('seed', -1)
        key = hashlib.sha256(('%s\0%s' % (prompt, seed)).encode()).hexdigest()[:16]
        record = {'key': key, 'start': time.time(), 'tokens': [], 'times': [],
                  'state': 'open'}
        with lock:
            requests.append(record)

        # Reasoning, the close tag, an answer: the same for the same key.
        words = ['w%s%d ' % (key[:4], i) for i in range(self.server.n_tokens)]
        tokens = words + ['</think>', '\n\nThe answer is 42.']

        self.send_response(200)
        self.send_header('Content-Type', 'text/event-stream')
        self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        try:
            for token in tokens:
                event = {'object': 'text_completion',
                         'choices': [{'index': 0, 'text': token, 'finish_reason': None}]}
                self.chunk('data: %s\n\n' % json.dumps(event))
                with lock:
                    record['tokens'].append(token)
                    record['times'].append(time.time())
                time.sleep(self.server.interval)
            final = {'choices': [{'index': 0, 'text': '', 'finish_reason': 'stop'}]}
            self.chunk('data: %s\n\ndata: [DONE]\n\n' % json.dumps(final))
            self.wfile.write(b'0\r\n\r\n')
            self.wfile.flush()
            with lock:
                record['state'] = 'finished'
                record['end'] = time.time()
        except (BrokenPipeError, ConnectionResetError):
            with lock:
                record['state'] = 'abandoned'
                record['end'] = time.time()
            self.close_connection = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('portfile')
    parser.add_argument('--interval', type=float, default=20, help='ms between tokens')
    parser.add_argument('--tokens', type=int, default=30, help='reasoning tokens per reply')
    parser.add_argument('--tls', metavar='PEM',
                        help='serve HTTPS with this certificate and key (one PEM file)')
    parser.add_argument('--reject-keys', action='store_true',
                        help='answer 401, quoting the Authorization header')
    args = parser.parse_args()

    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    server.interval = args.interval / 1000.0
    server.n_tokens = args.tokens
    server.reject_keys = args.reject_keys
    server.auth_seen = []
    if args.tls:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(args.portfile + '.tmp', 'w') as f:
        f.write(str(server.server_address[1]))
    # Renamed into place so a reader never sees half a port number.
    import os
    os.rename(args.portfile + '.tmp', args.portfile)
    server.serve_forever()


if __name__ == '__main__':
    main()
