// The HTTP edge of the sandbox API server: Kubernetes REST on loopback, spoken well enough for kubectl and client-node.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { Duplex } from "node:stream";
import { parse as parseYaml } from "yaml";
import type { Api, DeleteOptions, FieldValidation, WatchEvent } from "./api.ts";
import { coreVersions, group, groupList, resourceList, versionInfo } from "./discovery.ts";
import { OPENAPI_V2_PROTOBUF, openApiV2Protobuf, openApiV3Doc, openApiV3Root } from "./openapi.ts";
import { parseResourcePath, type ResourcePath } from "./routes.ts";
import { toTable, wantsTable } from "./tables.ts";
import { ApiError, errors, type KObject, type ResourceInfo } from "./types.ts";

const MAX_BODY = 3 * 1024 * 1024;

export interface PodIo {
  /** Serves GET pods/<name>/log (follow, container, tailLines, timestamps, limitBytes). */
  logs(namespace: string, name: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Handles the websocket upgrade of pods/<name>/exec (and attach). */
  exec(namespace: string, name: string, query: URLSearchParams, req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface ApiServerDeps {
  api: Api;
  tls: { key: Buffer; cert: Buffer };
  podIo?: PodIo;
  log?: (line: Record<string, unknown>) => void;
}

export function createApiServer(deps: ApiServerDeps): Server {
  const server = createServer({ key: deps.tls.key, cert: deps.tls.cert }, (req, res) => {
    handle(deps, req, res).catch((err: unknown) => sendError(res, err));
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const p = parseResourcePath(url.pathname);
    if (p && p.plural === "pods" && p.namespace && p.name && (p.subresource === "exec" || p.subresource === "attach") && deps.podIo) {
      deps.podIo.exec(p.namespace, p.name, url.searchParams, req, socket, head);
      return;
    }
    socket.end("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nupgrade not supported on this path\n");
  });
  return server;
}

async function handle(deps: ApiServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://sandbox");
  const path = url.pathname.replace(/\/+$/, "") || "/";
  deps.log?.({ method: req.method, path: url.pathname, query: url.search });
  const { api } = deps;
  if (req.method === "GET") {
    switch (path) {
      case "/version":
        return sendJson(res, 200, versionInfo());
      case "/healthz":
      case "/readyz":
      case "/livez":
        res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
        return;
      case "/api":
        return sendJson(res, 200, coreVersions());
      case "/apis":
        return sendJson(res, 200, groupList(api.registry));
      case "/openapi/v2":
        res.writeHead(200, { "Content-Type": OPENAPI_V2_PROTOBUF }).end(openApiV2Protobuf());
        return;
      case "/openapi/v3":
        return sendJson(res, 200, openApiV3Root(api.registry));
      default:
        break;
    }
    const v3 = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (v3) {
      const doc = v3[1] ? openApiV3Doc(api.registry, "", v3[1]) : openApiV3Doc(api.registry, v3[2] ?? "", v3[3] ?? "");
      if (doc) return sendJson(res, 200, doc);
      throw errors.notFoundPath(path);
    }
    const gv = /^\/api\/(v1)$/.exec(path) ?? /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (gv) {
      const list = path.startsWith("/api/") ? resourceList(api.registry, "", gv[1] ?? "") : resourceList(api.registry, gv[1] ?? "", gv[2] ?? "");
      if (list) return sendJson(res, 200, list);
      throw errors.notFoundPath(path);
    }
    const g = /^\/apis\/([^/]+)$/.exec(path);
    if (g) {
      const doc = group(api.registry, g[1] ?? "");
      if (doc) return sendJson(res, 200, doc);
      throw errors.notFoundPath(path);
    }
  }
  const target = parseResourcePath(path);
  if (!target) throw errors.notFoundPath(path);
  const info = api.resource(target.group, target.version, target.plural);
  if (info.namespaced && target.name === undefined && target.namespace === undefined && req.method !== "GET") {
    throw errors.notFoundPath(path);
  }
  if (!info.namespaced && target.namespace !== undefined) throw errors.notFoundPath(path);
  if (target.subresource) return handleSubresource(deps, info, target, url, req, res);
  await handleResource(api, info, target, url, req, res);
}

async function handleResource(api: Api, info: ResourceInfo, t: ResourcePath, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const q = url.searchParams;
  const accept = req.headers.accept ?? "";
  const write = { fieldValidation: fieldValidation(q), dryRun: q.has("dryRun") };
  switch (req.method) {
    case "GET": {
      const listOpts = { labelSelector: q.get("labelSelector") ?? undefined, fieldSelector: q.get("fieldSelector") ?? undefined };
      if (t.watchPrefix || isTrue(q.get("watch"))) {
        if (t.name) listOpts.fieldSelector = [listOpts.fieldSelector, `metadata.name=${t.name}`].filter(Boolean).join(",");
        return serveWatch(api, info, t.namespace, { ...listOpts, resourceVersion: q.get("resourceVersion") ?? undefined }, q, accept, req, res);
      }
      if (t.name) {
        const obj = api.get(info, t.namespace, t.name);
        return sendJson(res, 200, wantsTable(accept) ? table(api, info, [obj], q, {}) : obj);
      }
      const list = api.list(info, t.namespace, listOpts);
      if (wantsTable(accept)) return sendJson(res, 200, table(api, info, list.items, q, { resourceVersion: list.resourceVersion }));
      return sendJson(res, 200, {
        kind: info.listKind,
        apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
        metadata: { resourceVersion: list.resourceVersion },
        items: list.items,
      });
    }
    case "POST": {
      if (t.name) throw errors.methodNotAllowed(`POST is not supported on a named ${info.plural}`);
      const body = await readBody(req);
      const { object, warnings } = api.create(info, t.namespace, body, write);
      return sendJson(res, 201, object, warnings);
    }
    case "PUT": {
      if (!t.name) throw errors.methodNotAllowed(`PUT requires a name`);
      const { object, warnings } = api.update(info, t.namespace, t.name, await readBody(req), write);
      return sendJson(res, 200, object, warnings);
    }
    case "PATCH": {
      if (!t.name) throw errors.methodNotAllowed(`PATCH requires a name`);
      const { object, warnings } = api.patch(info, t.namespace, t.name, req.headers["content-type"] ?? "", await readBody(req), write);
      return sendJson(res, 200, object, warnings);
    }
    case "DELETE": {
      const opts = await deleteOptions(req, q);
      if (!t.name) {
        const items = api.deleteCollection(info, t.namespace, { labelSelector: q.get("labelSelector") ?? undefined, fieldSelector: q.get("fieldSelector") ?? undefined }, opts);
        return sendJson(res, 200, { kind: info.listKind, apiVersion: info.group ? `${info.group}/${info.version}` : info.version, metadata: {}, items });
      }
      return sendJson(res, 200, api.delete(info, t.namespace, t.name, opts));
    }
    default:
      throw errors.methodNotAllowed(`method ${req.method ?? ""} is not supported`);
  }
}

async function handleSubresource(deps: ApiServerDeps, info: ResourceInfo, t: ResourcePath, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { api } = deps;
  const name = t.name ?? "";
  const sub = t.subresource ?? "";
  if (!info.subresources.includes(sub)) throw errors.notFoundPath(url.pathname);
  const write = { fieldValidation: fieldValidation(url.searchParams), dryRun: url.searchParams.has("dryRun") };
  if (sub === "status") {
    switch (req.method) {
      case "GET":
        return sendJson(res, 200, api.get(info, t.namespace, name));
      case "PUT":
        return sendJson(res, 200, api.update(info, t.namespace, name, await readBody(req), { ...write, subresource: "status" }).object);
      case "PATCH":
        return sendJson(res, 200, api.patch(info, t.namespace, name, req.headers["content-type"] ?? "", await readBody(req), { ...write, subresource: "status" }).object);
      default:
        throw errors.methodNotAllowed(`method ${req.method ?? ""} is not supported on status`);
    }
  }
  if (sub === "scale") {
    switch (req.method) {
      case "GET":
        return sendJson(res, 200, api.getScale(info, t.namespace, name));
      case "PUT":
        return sendJson(res, 200, api.updateScale(info, t.namespace, name, await readBody(req)));
      case "PATCH":
        return sendJson(res, 200, api.patchScale(info, t.namespace, name, req.headers["content-type"] ?? "", await readBody(req)));
      default:
        throw errors.methodNotAllowed(`method ${req.method ?? ""} is not supported on scale`);
    }
  }
  if (sub === "log" && req.method === "GET" && deps.podIo) {
    api.get(info, t.namespace, name); // 404 before anything else
    return deps.podIo.logs(t.namespace ?? "", name, url.searchParams, req, res);
  }
  if (sub === "exec" || sub === "attach") {
    throw errors.badRequest(`Upgrade request required`);
  }
  throw errors.notFoundPath(url.pathname);
}

function serveWatch(
  api: Api,
  info: ResourceInfo,
  namespace: string | undefined,
  opts: { labelSelector?: string; fieldSelector?: string; resourceVersion?: string },
  q: URLSearchParams,
  accept: string,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const asTable = wantsTable(accept);
  let stop: (() => void) | undefined;
  const buffered: WatchEvent[] = [];
  let started = false;
  const send = (e: WatchEvent) => {
    if (!started) {
      buffered.push(e);
      return;
    }
    const object = asTable ? table(api, info, [e.object], q, {}) : e.object;
    res.write(JSON.stringify({ type: e.type, object }) + "\n");
  };
  stop = api.watch(info, namespace, opts, send); // throws 410 / 400 before any header is written
  res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  started = true;
  for (const e of buffered.splice(0)) send(e);
  const timeoutSeconds = Number(q.get("timeoutSeconds") ?? "1800");
  const timer = setTimeout(() => res.end(), Math.max(1, timeoutSeconds) * 1000);
  const close = () => {
    clearTimeout(timer);
    stop?.();
    stop = undefined;
  };
  req.on("close", close);
  res.on("close", close);
}

function table(api: Api, info: ResourceInfo, objs: KObject[], q: URLSearchParams, listMeta: { resourceVersion?: string }): KObject {
  const include = q.get("includeObject");
  return toTable(info, objs, {
    includeObject: include === "Object" || include === "None" ? include : "Metadata",
    listMeta,
    printerColumns: crdPrinterColumns(api, info),
    now: new Date(),
  }) as unknown as KObject;
}

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

function crdPrinterColumns(api: Api, info: ResourceInfo): PrinterColumn[] | undefined {
  if (["", "apps", "batch", "storage.k8s.io", "apiextensions.k8s.io", "rbac.authorization.k8s.io", "coordination.k8s.io", "events.k8s.io"].includes(info.group)) return undefined;
  const crd = api.tryGet(api.resource("apiextensions.k8s.io", "v1", "customresourcedefinitions"), undefined, `${info.plural}.${info.group}`);
  const versions = (crd?.["spec"] as { versions?: Array<{ name: string; additionalPrinterColumns?: PrinterColumn[] }> } | undefined)?.versions ?? [];
  return versions.find((v) => v.name === info.version)?.additionalPrinterColumns;
}

function fieldValidation(q: URLSearchParams): FieldValidation | undefined {
  const v = q.get("fieldValidation");
  if (v === null) return undefined;
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw errors.badRequest(`fieldValidation must be one of "Ignore", "Warn" or "Strict", got "${v}"`);
}

function isTrue(v: string | null): boolean {
  return v === "true" || v === "1";
}

async function deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
  const body = (await readBody(req, true)) as DeleteOptions | undefined;
  const opts: DeleteOptions = { ...(body ?? {}) };
  const policy = q.get("propagationPolicy");
  if (policy === "Background" || policy === "Foreground" || policy === "Orphan") opts.propagationPolicy = policy;
  const grace = q.get("gracePeriodSeconds");
  if (grace !== null) opts.gracePeriodSeconds = Number(grace);
  if (q.has("dryRun")) opts.dryRun = true;
  return opts;
}

async function readBody(req: IncomingMessage, optional = false): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new ApiError(413, "RequestEntityTooLarge", "request entity too large");
    chunks.push(b);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") {
    if (optional) return undefined;
    throw errors.badRequest("the request body is empty");
  }
  const type = req.headers["content-type"] ?? "";
  if (type.includes("protobuf")) throw errors.unsupportedMediaType(type); // clients fall back to JSON on 415
  try {
    return type.includes("yaml") ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`the body of the request could not be decoded: ${(e as Error).message}`);
  }
}

function sendJson(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  const headers: Record<string, string | string[]> = { "Content-Type": "application/json" };
  if (warnings.length > 0) headers["Warning"] = warnings.map((w) => `299 - "${w.replace(/"/g, "'")}"`);
  res.writeHead(code, headers).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, err: unknown): void {
  const apiErr = err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err));
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, apiErr.code, apiErr.toStatus());
}
