// The sandbox API server's TLS material: a CA and a serving certificate for 127.0.0.1, made once with openssl
// and kept in the sandbox dir (so kubeconfigs stay valid across `down`/`up`).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

export function ensureTls(dir: string): TlsMaterial {
  const pki = join(dir, "pki");
  const files = { caKey: "ca.key", ca: "ca.crt", key: "apiserver.key", csr: "apiserver.csr", cert: "apiserver.crt", ext: "apiserver.ext" };
  if (!existsSync(join(pki, files.cert)) || !existsSync(join(pki, files.ca))) {
    mkdirSync(pki, { recursive: true, mode: 0o700 });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(["req", "-x509", ...ec, "-keyout", files.caKey, "-out", files.ca, "-days", "3650", "-subj", "/CN=rafdir-sandbox-ca"], pki);
    openssl(["req", ...ec, "-keyout", files.key, "-out", files.csr, "-subj", "/CN=kube-apiserver"], pki);
    execFileSync("sh", ["-c", `printf '%s\\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc' 'extendedKeyUsage=serverAuth' > ${files.ext}`], { cwd: pki });
    openssl(["x509", "-req", "-in", files.csr, "-CA", files.ca, "-CAkey", files.caKey, "-CAcreateserial", "-out", files.cert, "-days", "3650", "-extfile", files.ext], pki);
  }
  return { key: readFileSync(join(pki, files.key)), cert: readFileSync(join(pki, files.cert)), ca: readFileSync(join(pki, files.ca)) };
}
