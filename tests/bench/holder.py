"""What the benchmark's clients holding many connections share (imported by sse_client.py and
ws_tunnels.py, not run): open COUNT connections to 127.0.0.1:PORT, at most CONCURRENCY of them
still opening at any moment, each given TIMEOUT seconds to connect and open; once all have settled
print `READY <noun>=N seconds=S`, or `FAILED ready=R failed=F first_error=...` (and hold the others);
hold them, counting heartbeats, until SIGTERM/SIGINT; then print `STOPPED ready=R lost=L
heartbeats=H` (L: connections the far end closed after they were open). A subclass says how one is
opened (opened: the request and what must come back) and what a heartbeat is (HEARTBEAT). It
sends no load and measures nothing: run.sh reads the proxy's memory around it."""
import asyncio
import signal
import time

OPEN_ERRORS = (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError)


async def stopped():
    """Returns at the first SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


class Holder:
    NOUN, ONE = "connections", "connection"  # in READY, in first_error
    HEARTBEAT = b"heartbeat"

    def __init__(self, port, count, concurrency, timeout):
        self.port, self.count, self.timeout = port, count, timeout
        self.ready = self.failed = self.lost = self.heartbeats = 0
        self.first_error = None
        self.writers = []
        self.sem = asyncio.Semaphore(concurrency)
        self.settled = asyncio.Event()

    async def opened(self, i, reader, writer):
        """Sends what opens connection I and reads until it is open; raises one of OPEN_ERRORS if not."""
        raise NotImplementedError

    def _settle(self):
        if self.ready + self.failed == self.count:
            self.settled.set()

    async def _hold(self, i):
        async with self.sem:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.port, limit=16384), self.timeout)
                self.writers.append(writer)
                await asyncio.wait_for(self.opened(i, reader, writer), self.timeout)
            except OPEN_ERRORS as e:
                self.failed += 1
                if self.first_error is None:
                    self.first_error = f"{self.ONE} {i}: {type(e).__name__}: {e}"
                self._settle()
                return
            self.ready += 1
            self._settle()
        try:
            while data := await reader.read(4096):
                self.heartbeats += data.count(self.HEARTBEAT)
        except OSError:
            pass
        self.lost += 1

    async def run(self):
        start = time.monotonic()
        tasks = [asyncio.create_task(self._hold(i)) for i in range(self.count)]
        stopping = asyncio.create_task(stopped())
        settled = asyncio.create_task(self.settled.wait())
        await asyncio.wait({settled, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if self.settled.is_set():
            if self.failed == 0:
                print(f"READY {self.NOUN}={self.ready} seconds={time.monotonic() - start:.1f}", flush=True)
            else:
                print(f"FAILED ready={self.ready} failed={self.failed} first_error={self.first_error}", flush=True)
        await stopping
        lost = self.lost
        for w in self.writers:
            w.close()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        settled.cancel()
        print(f"STOPPED ready={self.ready} lost={lost} heartbeats={self.heartbeats}", flush=True)
