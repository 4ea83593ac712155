#!/usr/bin/env python3
"""A stand-in OpenAI-compatible server for bench/stream.sh that streams
tokens as fast as the socket takes them.

Every POST gets the same pre-built reply: N completion chunks shaped like
vLLM's, one HTTP chunk per event as vLLM sends them, then a finish reason,
usage and [DONE]. Building it once keeps Python out of the measurement.

Usage: stream-server.py PORT_FILE N_TOKENS   (writes the port it bound)
"""
import socket
import socketserver
import sys


def build_reply(n_tokens):
    events = []
    for i in range(n_tokens):
        events.append(
            'data: {"id":"cmpl-bench","object":"text_completion","created":1700000000,'
            '"model":"bench","choices":[{"index":0,"text":" tok%d","logprobs":null,'
            '"finish_reason":null,"stop_reason":null}],"usage":null}\n\n' % (i % 1000))
    events.append(
        'data: {"id":"cmpl-bench","object":"text_completion","created":1700000000,'
        '"model":"bench","choices":[{"index":0,"text":"","logprobs":null,'
        '"finish_reason":"length","stop_reason":null}],"usage":null}\n\n')
    events.append(
        'data: {"id":"cmpl-bench","object":"text_completion","created":1700000000,'
        '"model":"bench","choices":[],"usage":{"prompt_tokens":8,'
        '"completion_tokens":%d,"total_tokens":%d}}\n\n' % (n_tokens, n_tokens + 8))
    events.append('data: [DONE]\n\n')

    body = bytearray()
    for event in events:
        data = event.encode()
        body += b'%x\r\n' % len(data) + data + b'\r\n'
    body += b'0\r\n\r\n'
    head = (b'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n'
            b'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n')
    return head + bytes(body)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        request = b''
        while b'\r\n\r\n' not in request:
            data = self.request.recv(65536)
            if not data:
                return
            request += data
        head, _, body = request.partition(b'\r\n\r\n')
        length = 0
        for line in head.split(b'\r\n')[1:]:
            name, _, value = line.partition(b':')
            if name.strip().lower() == b'content-length':
                length = int(value)
        while len(body) < length:
            data = self.request.recv(65536)
            if not data:
                return
            body += data
        self.request.sendall(self.server.reply)
        self.request.shutdown(socket.SHUT_WR)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    port_file, n_tokens = sys.argv[1], int(sys.argv[2])
    server = Server(('127.0.0.1', 0), Handler)
    server.reply = build_reply(n_tokens)
    with open(port_file, 'w') as f:
        f.write('%d\n' % server.server_address[1])
    server.serve_forever()


if __name__ == '__main__':
    main()
