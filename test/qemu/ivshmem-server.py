#!/usr/bin/env python3
# A small ivshmem-server for driving QEMU's ivshmem-doorbell, written from contrib/ivshmem-server
# (ivshmem-server.c): the standard library only (memfd, eventfds, SCM_RIGHTS).
#
# Protocol (server to client, each message a little-endian int64, optionally with one fd):
#   on connect: version 0; the client's ID; -1 with the shared memory fd; then the new client's
#   eventfds to every other client; every other client's eventfds to the new one; the new
#   client's own eventfds. A client that sends anything or hangs up is freed: every remaining
#   client gets its ID without an fd. When the server exits it frees its clients in connection
#   order, telling the remaining ones each time (ivshmem_server_close).
# IDs: a 16-bit counter; the next free ID at or after it is taken and the counter moves past it.
#
# The runner drives it with one JSON command per line on stdin and reads one JSON reply per line
# on stdout: counts (eventfd counters of every client, read from /proc/self/fdinfo, not
# consumed), join (a host-side client inside this process, as contrib/ivshmem-client),
# take <client> (read and clear that client's own eventfds), ring <client> <peer> <vector>,
# leave <client>, log (every message sent, in order), quit.
import fcntl
import json
import os
import selectors
import socket
import struct
import sys
import termios

PROTOCOL_VERSION = 0


class Peer:
    def __init__(self, peer_id, sock, vectors):
        self.id = peer_id
        self.sock = sock
        self.eventfds = [os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC) for _ in range(vectors)]


class Client:
    """A host-side client inside this process: what contrib/ivshmem-client keeps."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.messages = []  # (value, fd or None)
        self.id = None
        self.peers = {}  # id -> [eventfd, ...]

    def pump(self):
        self.sock.setblocking(False)
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(self.sock, 8, 1)
            except BlockingIOError:
                return
            if not data:
                return
            value = struct.unpack('<q', data)[0]
            fd = fds[0] if fds else None
            self.messages.append((value, fd))
            if len(self.messages) == 2:
                self.id = value
            elif len(self.messages) > 3:
                if fd is None:
                    for old in self.peers.pop(value, []):
                        os.close(old)
                else:
                    self.peers.setdefault(value, []).append(fd)


class Server:
    def __init__(self, path, size, vectors):
        self.path = path
        self.vectors = vectors
        self.shm = os.memfd_create('ivshmem', os.MFD_CLOEXEC)
        os.ftruncate(self.shm, size)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(10)
        self.peers = []  # connection order
        self.cur_id = 0
        self.log = []
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, self.accept)
        self.clients = []

    def send(self, peer, value, fd=None):
        data = struct.pack('<q', value)
        self.log.append({'to': peer.id, 'value': value, 'fd': fd is not None})
        try:
            if fd is None:
                peer.sock.sendall(data)
            else:
                socket.send_fds(peer.sock, [data], [fd])
        except OSError:
            pass  # contrib ignores a failed send to a peer that is going away

    def accept(self, _key):
        sock, _ = self.listener.accept()
        taken = {p.id for p in self.peers}
        for _ in range(65535):
            if self.cur_id not in taken:
                break
            self.cur_id = (self.cur_id + 1) & 0xffff
        else:
            sock.close()  # cannot allocate new client id
            return
        peer = Peer(self.cur_id, sock, self.vectors)
        self.cur_id = (self.cur_id + 1) & 0xffff
        self.send(peer, PROTOCOL_VERSION)
        self.send(peer, peer.id)
        self.send(peer, -1, self.shm)
        for other in self.peers:
            for fd in peer.eventfds:
                self.send(other, peer.id, fd)
        for other in self.peers:
            for fd in other.eventfds:
                self.send(peer, other.id, fd)
        for fd in peer.eventfds:
            self.send(peer, peer.id, fd)
        self.peers.append(peer)
        self.selector.register(sock, selectors.EVENT_READ, lambda _k, p=peer: self.free(p))

    def free(self, peer):
        self.selector.unregister(peer.sock)
        peer.sock.close()
        self.peers.remove(peer)
        for other in self.peers:
            self.send(other, peer.id)
        for fd in peer.eventfds:
            os.close(fd)

    def close(self):
        for peer in list(self.peers):
            self.free(peer)

    def counts(self):
        """Per peer: its eventfd counters and how many bytes it has not read from its socket."""
        result = {}
        for peer in self.peers:
            unread = struct.unpack('i', fcntl.ioctl(peer.sock, termios.TIOCOUTQ, b'\0\0\0\0'))[0]
            result[str(peer.id)] = {'eventfds': [eventfd_count(fd) for fd in peer.eventfds], 'unread': unread}
        return result

    def command(self, words):
        name = words[0]
        if name == 'counts':
            return self.counts()
        if name == 'join':
            client = Client(self.path)
            self.clients.append(client)
            self.poll(0)
            client.pump()
            return {'client': len(self.clients) - 1, 'id': client.id}
        if name == 'pump':
            for client in self.clients:
                client.pump()
            return {}
        client = self.clients[int(words[1])] if len(words) > 1 else None
        if name == 'take':
            client.pump()
            taken = []
            for fd in client.peers.get(client.id, []):
                try:
                    taken.append(struct.unpack('<Q', os.read(fd, 8))[0])
                except BlockingIOError:
                    taken.append(0)
            return {'counts': taken}
        if name == 'ring':
            client.pump()
            fds = client.peers.get(int(words[2]), [])
            vector = int(words[3])
            if vector < len(fds):
                os.write(fds[vector], struct.pack('<Q', 1))
                return {'rung': True}
            return {'rung': False}
        if name == 'peers':
            client.pump()
            return {'id': client.id, 'peers': {str(k): len(v) for k, v in sorted(client.peers.items())}}
        if name == 'leave':
            client.sock.close()
            self.poll(0)
            return {}
        if name == 'log':
            return self.log
        raise ValueError('unknown command ' + name)

    def poll(self, timeout):
        for key, _ in self.selector.select(timeout):
            key.data(key)


def eventfd_count(fd):
    with open(f'/proc/self/fdinfo/{fd}') as info:
        for line in info:
            if line.startswith('eventfd-count:'):
                return int(line.split()[1], 16)
    raise RuntimeError('no eventfd-count in fdinfo')


def main():
    path, size, vectors = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    server = Server(path, size, vectors)
    stdin = sys.stdin.buffer.raw
    os.set_blocking(stdin.fileno(), False)
    server.selector.register(stdin, selectors.EVENT_READ, None)
    print(json.dumps({'ready': True}), flush=True)
    pending = b''
    while True:
        for key, _ in server.selector.select():
            if key.data is not None:
                key.data(key)
                continue
            chunk = os.read(stdin.fileno(), 65536)
            if not chunk:
                server.close()
                return
            pending += chunk
            while b'\n' in pending:
                line, pending = pending.split(b'\n', 1)
                words = line.decode().split()
                if words == ['quit']:
                    server.close()
                    print(json.dumps(server.log), flush=True)
                    return
                try:
                    reply = {'ok': server.command(words)}
                except Exception as error:  # reported to the runner, which fails the scenario
                    reply = {'error': f'{type(error).__name__}: {error}'}
                print(json.dumps(reply), flush=True)


if __name__ == '__main__':
    main()
