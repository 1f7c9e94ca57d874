"""An echo server on python's `websockets` (the peer test/integration/conform-python.test.ts runs
`wslab conform` against). Like websockets' own compliance/asyncio/server.py: every message is sent
back as it came, messages up to 32 MiB. Listens on 127.0.0.1, on the port given as the first
argument (0 = any free port), prints "PORT <n>" once listening, and exits when stdin closes (when
the test that started it ends)."""

import asyncio
import sys

import websockets
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed


async def echo(ws):
    try:
        async for message in ws:
            await ws.send(message)
    except ConnectionClosed:
        pass


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    async with serve(echo, "127.0.0.1", port, max_size=2**25) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"PORT {bound} websockets {websockets.__version__}", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
