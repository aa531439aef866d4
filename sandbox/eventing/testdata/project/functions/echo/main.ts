// Test fixture: a minimal "function" for the sandbox's function runner. It answers readiness, and for every event
// it receives posts a new event (test.echo.sink) to $K_SINK carrying the environment it was started with.
import { createServer } from "node:http";

const port = Number(process.env["PORT"] ?? "8080");

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/health/readiness") {
    res.writeHead(200).end("ok");
    return;
  }
  if (req.method === "GET" && req.url === "/pid") {
    res.writeHead(200).end(String(process.pid));
    return;
  }
  req.resume();
  req.on("end", () => {
    const id = String(req.headers["ce-id"] ?? "none");
    const body = JSON.stringify({
      kSink: process.env["K_SINK"],
      port,
      kubeconfig: process.env["KUBECONFIG"],
      service: process.env["K_SERVICE"],
      fn: process.env["RAFDIR_FUNCTION"],
      namespace: process.env["POD_NAMESPACE"],
    });
    fetch(process.env["K_SINK"] ?? "", {
      method: "POST",
      headers: { "ce-specversion": "1.0", "ce-id": `echo-${id}`, "ce-type": "test.echo.sink", "ce-source": "/rafdir/echo", "content-type": "application/json" },
      body,
    })
      .then((r) => res.writeHead(r.status === 202 ? 202 : 500).end())
      .catch(() => res.writeHead(500).end());
  });
});

server.listen(port, "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
