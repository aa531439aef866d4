import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { readAll } from "./runtime-exec.ts";
import { childrenOf, isAlive, pidsInMountNamespace, mountNamespaceOf } from "./runtime-procs.ts";
import { Container, type ContainerSpec } from "./runtime.ts";

const root = mkdtempSync(join(tmpdir(), "rafdir-runtime-"));
const live: Container[] = [];
let n = 0;

function container(spec: Partial<ContainerSpec> & Pick<ContainerSpec, "command">): Container {
  n++;
  const c = new Container({ id: `c${n}`, env: {}, mounts: [], stateDir: join(root, `state-${n}`), ...spec });
  live.push(c);
  return c;
}

function volume(name: string): string {
  const dir = join(root, `vol-${name}-${n}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function run(spec: Partial<ContainerSpec> & Pick<ContainerSpec, "command">) {
  const c = container(spec);
  await c.start();
  const exit = await c.exited;
  return { c, exit, log: rawLog(c) };
}

function rawLog(c: Container): string {
  return readFileSync(c.logPath(), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(" ").slice(3).join(" "))
    .join("\n");
}

afterEach(async () => {
  await Promise.all(live.splice(0).map((c) => c.remove()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("Container", () => {
  it("writes to a mounted volume land in the host dir; other writes stay in the container layer", async () => {
    const data = volume("data");
    const marker = `rafdir-test-${process.pid}-${Date.now()}`;
    const { c, exit, log } = await run({
      command: ["sh", "-c", `echo hello > /data/out && echo secret > /etc/${marker} && cat /etc/${marker} && echo FOO=$FOO`],
      env: { FOO: "bar" },
      mounts: [{ hostPath: data, mountPath: "/data", readOnly: false }],
    });
    expect(exit).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(readFileSync(join(data, "out"), "utf8")).toBe("hello\n");
    expect(existsSync(`/etc/${marker}`)).toBe(false);
    expect(readFileSync(join(c.spec.stateDir, "upper", "etc", marker), "utf8")).toBe("secret\n");
    expect(log).toBe("secret\nFOO=bar");
  });

  it("does not create mount points on the host and sees a private /tmp", async () => {
    const data = volume("mp");
    const where = `/rafdir-test-mountpoint-${process.pid}-${Date.now()}/deep`;
    const { exit, log } = await run({
      command: ["sh", "-c", `ls ${where}; touch /tmp/only-in-container-${n}`],
      mounts: [{ hostPath: data, mountPath: where, readOnly: false }],
    });
    writeFileSync(join(data, "x"), "");
    expect(exit.exitCode).toBe(0);
    expect(log).toBe("");
    expect(existsSync(where)).toBe(false);
    expect(existsSync(`/tmp/only-in-container-${n}`)).toBe(false);
  });

  it("readOnly mounts refuse writes", async () => {
    const ro = volume("ro");
    writeFileSync(join(ro, "f"), "original");
    const { exit, log } = await run({
      command: ["sh", "-c", "cat /ro/f; echo x > /ro/f"],
      mounts: [{ hostPath: ro, mountPath: "/ro", readOnly: true }],
    });
    expect(exit).toMatchObject({ exitCode: 2, reason: "Error" });
    expect(log).toContain("original");
    expect(log).toContain("Read-only file system");
    expect(readFileSync(join(ro, "f"), "utf8")).toBe("original");
  });

  it("mounts a single file (a resolved subPath) and writes through to it", async () => {
    const vol = volume("sub");
    mkdirSync(join(vol, "conf"));
    writeFileSync(join(vol, "conf", "app.ini"), "a=1\n");
    const { exit, log } = await run({
      command: ["sh", "-c", "cat /etc/app/app.ini; echo b=2 >> /etc/app/app.ini; ls /etc/app"],
      mounts: [{ hostPath: join(vol, "conf", "app.ini"), mountPath: "/etc/app/app.ini", readOnly: false }],
    });
    expect(exit.exitCode).toBe(0);
    expect(log).toBe("a=1\napp.ini");
    expect(readFileSync(join(vol, "conf", "app.ini"), "utf8")).toBe("a=1\nb=2\n");
  });

  it("reads the termination message back and reports exit codes", async () => {
    const { exit } = await run({ command: ["sh", "-c", "printf 'backup failed' > /dev/termination-log; exit 3"] });
    expect(exit).toMatchObject({ exitCode: 3, reason: "Error", message: "backup failed" });
    expect(exit.finishedAt.getTime()).toBeGreaterThanOrEqual(exit.startedAt.getTime());

    const custom = await run({
      command: ["sh", "-c", "echo done > /var/run/result"],
      terminationMessagePath: "/var/run/result",
    });
    expect(custom.exit).toMatchObject({ exitCode: 0, reason: "Completed", message: "done\n" });

    const fallback = await run({ command: ["sh", "-c", "echo boom >&2; exit 1"], terminationMessagePolicy: "FallbackToLogsOnError" });
    expect(fallback.exit).toMatchObject({ exitCode: 1, message: "boom\n" });
  });

  it("runs in workingDir with the given env, hostname and PATH extras", async () => {
    const bin = volume("bin");
    writeFileSync(join(bin, "hello-tool"), "#!/bin/sh\necho tool:$1\n", { mode: 0o755 });
    const { exit, log } = await run({
      command: ["sh", "-c", 'pwd; hostname; echo "$HOSTNAME $GREETING"; hello-tool x'],
      env: { GREETING: "hi there" },
      workingDir: "/work/dir",
      hostname: "my-pod",
      extraPath: [bin],
    });
    expect(exit.exitCode).toBe(0);
    expect(log).toBe("/work/dir\nmy-pod\nmy-pod hi there\ntool:x");
  });

  it("reports a missing executable or a bad mount as ContainerCannotRun", async () => {
    const missing = await run({ command: ["no-such-binary-xyz", "arg"] });
    expect(missing.exit).toMatchObject({ exitCode: 127, reason: "ContainerCannotRun" });
    expect(missing.exit.message).toContain('exec: "no-such-binary-xyz": executable file not found in $PATH');

    const abs = await run({ command: ["/nope/bin/tool"] });
    expect(abs.exit).toMatchObject({ exitCode: 127, reason: "ContainerCannotRun" });

    const badMount = await run({ command: ["true"], mounts: [{ hostPath: join(root, "does-not-exist"), mountPath: "/data", readOnly: false }] });
    expect(badMount.exit).toMatchObject({ exitCode: 128, reason: "ContainerCannotRun" });
    expect(badMount.exit.message).toContain("does-not-exist");

    const empty = await run({ command: [] });
    expect(empty.exit.reason).toBe("ContainerCannotRun");
  });

  it("stop() ends `sleep infinity` and its children, even ones that left the process group", async () => {
    const c = container({ command: ["sh", "-c", "setsid sleep infinity & sleep infinity; echo never"] });
    await c.start();
    const pid = c.pid;
    expect(pid).toBeDefined();
    let kids: number[] = [];
    for (let i = 0; i < 100 && kids.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      kids = await childrenOf(pid ?? 0);
    }
    expect(kids.length).toBe(2);
    const ns = await mountNamespaceOf(pid ?? 0);
    const pin = await open(`/proc/${pid}/ns/mnt`, "r"); // so that its id is not reused by another container meanwhile
    const exit = await c.stop(2000);
    expect(exit).toMatchObject({ exitCode: 143, signal: "SIGTERM", reason: "Error" });
    for (const k of kids) expect(isAlive(k)).toBe(false);
    expect(await pidsInMountNamespace(ns ?? "none")).toEqual([]);
    await pin.close();
  });

  it("stop() SIGKILLs after the grace period when SIGTERM is ignored", async () => {
    const c = container({ command: ["sh", "-c", "trap '' TERM; echo ready; sleep infinity & wait"] });
    await c.start();
    while (!rawLog(c).includes("ready")) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    const exit = await c.stop(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(exit).toMatchObject({ exitCode: 137, signal: "SIGKILL" });
  });

  it("exec runs inside the container: mounts, env, cwd, exit codes, stdin", async () => {
    const data = volume("exec");
    writeFileSync(join(data, "f"), "from host\n");
    const c = container({
      command: ["sleep", "infinity"],
      env: { WHO: "container" },
      workingDir: "/data",
      mounts: [{ hostPath: data, mountPath: "/data", readOnly: false }],
    });
    await c.start();
    const p = c.exec(["sh", "-c", "pwd; cat f; echo $WHO; echo oops >&2; echo new > g; exit 5"], {});
    p.stdin.end();
    const [out, err, res] = await Promise.all([readAll(p.stdout), readAll(p.stderr), p.exited]);
    expect(out.toString()).toBe("/data\nfrom host\ncontainer\n");
    expect(err.toString()).toBe("oops\n");
    expect(res).toEqual({ exitCode: 5 });
    expect(readFileSync(join(data, "g"), "utf8")).toBe("new\n");

    const cat = c.exec(["cat"], {});
    cat.stdin.write("piped ");
    cat.stdin.end("input");
    expect((await readAll(cat.stdout)).toString()).toBe("piped input");
    expect(await cat.exited).toEqual({ exitCode: 0 });

    const missing = c.exec(["not-a-command"], {});
    expect(await missing.exited).toMatchObject({ exitCode: 127, error: expect.stringContaining("executable file not found") });

    const tty = c.exec(["tty"], { tty: true });
    tty.stdin.end();
    expect((await readAll(tty.stdout)).toString()).toMatch(/^\/dev\/pts\/\d+/);
    expect((await tty.exited).exitCode).toBe(0);
  });

  it("exec with a tty applies resizes; attach streams the main process' output", async () => {
    const c = container({ command: ["sh", "-c", "sleep 0.3; echo tick; sleep 0.2; echo tock; exec >&-; sleep infinity"] });
    await c.start();
    const attached = c.attach();
    const seen = readAll(attached.stdout);

    const tty = c.exec(["sh", "-c", "sleep 0.2; stty size"], { tty: true });
    tty.resize?.(120, 33);
    const out = (await readAll(tty.stdout)).toString();
    expect(out).toBe("33 120\r\n");

    while (!rawLog(c).includes("tock")) await new Promise((r) => setTimeout(r, 10));
    attached.kill();
    expect((await seen).toString()).toBe("tick\ntock\n");
    expect(await attached.exited).toEqual({ exitCode: 0 });
  });

  it("exec sessions die with the container, and remove() deletes the state", async () => {
    const c = container({ command: ["sleep", "infinity"] });
    await c.start();
    const p = c.exec(["sleep", "infinity"], {});
    await new Promise((r) => setTimeout(r, 50));
    await c.stop(1000);
    expect((await p.exited).signal).toBeDefined();
    expect(await c.exec(["true"], {}).exited).toMatchObject({ error: expect.stringContaining("not running") });
    await c.remove();
    expect(existsSync(c.spec.stateDir)).toBe(false);
  });
});
