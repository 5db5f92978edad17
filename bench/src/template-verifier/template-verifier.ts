// Verdict latency and capacity of the template verifier as a real process on the bus:
// (1) 2,000 proposals/s for 15 s, latency publish → verdict (p50/p99) and zero dropped verdicts;
// (2) saturation: verdicts per CPU-second of the verifier process (one core, it is single-threaded);
// beside the same run's floor: a NATS echo of the same bytes at the same rate in this process;
// (3) the mainnet-size case (mainnet-size.ts): 4 M-weight templates from bcoin through the stack;
// (4) a mainnet-size template's transactions identified in process (template-transactions.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { Bus, encode } from "@gatehouse/bus";
import { TemplateProposalSchema, TemplateVerdictSchema } from "@gatehouse/proto/mining/v1";
import { profileFlags } from "@gatehouse/testkit";
import { BenchError } from "../lib/errors.js";
import { startNatsPeer } from "../lib/nats-peer-process.js";
import { cpuSecondsOf } from "../lib/proc.js";
import { emit } from "../lib/report.js";
import { watchStalls } from "../lib/service-metrics.js";
import { nowMs, percentiles } from "../lib/stats.js";
import { runMainnetSize } from "./mainnet-size.js";
import { runTemplateTransactions } from "./template-transactions.js";

const RATE = Number(process.env.BENCH_TV_RATE ?? 2_000);
const SECONDS = Number(process.env.BENCH_TV_SECONDS ?? 15);
const SATURATION_COUNT = Number(process.env.BENCH_TV_SATURATION ?? 40_000);
/**
 * Seconds of the same paced load sent first and left out of the figures. The verifier sits idle
 * while the floors run, and V8 shrinks an idle process's young generation and drops the compiled
 * code of functions it has not run lately: the first second of load after that paid 3 % of its
 * answers over 3 ms (up to 40 ms), enough to set the p99 of a 15 s run.
 */
const WARM_UP_SECONDS = 2;

/** A mainnet-like summary proposal (what ReserveGrid OS's TemplatePropose carries). */
function proposal(id: number) {
  return create(TemplateProposalSchema, {
    templateId: BigInt(id),
    source: "bench",
    sourceInstanceId: "bench",
    protocolVersion: 2,
    blockHeight: 900_000,
    prevHash: randomBytes(32).toString("hex"),
    blockVersion: 0x20000000,
    txCount: 3_000,
    coinbaseValue: 312_500_000n + 15_000_000n,
    totalFees: 15_000_000n,
    templateWeight: 3_990_000n,
    totalSigops: 12_000,
    coinbaseSigops: 4,
    createdAtUnixMs: BigInt(Date.now()),
  });
}

async function startVerifier(servers: string, root: string, prefix: string): Promise<{ child: ChildProcess; ops: string }> {
  const dir = mkdtempSync(join(tmpdir(), "bench-tv-"));
  const config = join(dir, "config.toml");
  // Proposals are encoded before the run starts: their age must not make them stale mid-run.
  const policy = join(dir, "policy.toml");
  writeFileSync(policy, "max_template_age_ms = 600000\n");
  writeFileSync(
    config,
    [
      'http_addr = "127.0.0.1:0"',
      'grpc_addr = "127.0.0.1:0"',
      'log_level = "info"',
      "verdict_log_size = 1000",
      `policy_file = "${policy}"`,
      "[nats]",
      `url = "${servers}"`,
      `subject_root = "${root}"`,
      `stream_prefix = "${prefix}"`,
    ].join("\n"),
  );
  const child = spawn(
    process.execPath,
    [...profileFlags("template-verifier"), join(process.cwd(), "services/template-verifier/dist/main.js"), "--config", config],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  let opsUrl: string | undefined;
  await new Promise<void>((resolve, reject) => {
    let started = false;
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new BenchError("template-verifier did not start in 20 s"));
    }, 20_000);
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (!started && out.includes('"msg":"service started"')) {
        started = true;
        opsUrl = /"ops":"(http:\/\/[^"]+)"/.exec(out)?.[1];
        clearTimeout(timer);
        resolve();
      }
      // Keep only the tail: the process logs for the whole run.
      out = out.slice(-4096);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new BenchError(`template-verifier exited with ${code}`));
    });
  });
  child.once("exit", (code, signal) => {
    exitedEarly = `template-verifier exited (code ${code}, signal ${signal}); last output: ${out.slice(-1500)}`;
  });
  if (!opsUrl) throw new BenchError("template-verifier's start-up log names no ops endpoint");
  return { child, ops: opsUrl };
}

let exitedEarly: string | undefined;

function assertAlive(): void {
  if (exitedEarly) throw new BenchError(exitedEarly);
}

/** Waits while `pending()` holds, at most `timeoutMs`, failing at once if the verifier has exited. */
async function whileVerifierAlive(pending: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = nowMs() + timeoutMs;
  while (pending() && nowMs() < deadline) {
    assertAlive();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Publishes `RATE`/s for `seconds` s, each message when it is due; `send(i)` publishes message i.
 * Resolves with the count sent. The loop sleeps only while the next message is more than a
 * millisecond away (Node's timers resolve no finer), so at 2,000/s messages leave two or three
 * together rather than as one burst per timer tick: a burst of k makes the last wait out the
 * verifier's work on the k − 1 before it, a queue the echo floor's few microseconds never show.
 */
async function paced(send: (i: number) => void, seconds = SECONDS): Promise<number> {
  const total = RATE * seconds;
  const intervalMs = 1000 / RATE;
  const started = nowMs();
  let sent = 0;
  while (sent < total) {
    const wait = started + sent * intervalMs - nowMs();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    else send(sent++);
  }
  return sent;
}

/** Paced round trips through an echo (this process's when `echoProcess` is undefined). */
async function echoFloor(bus: Bus, prefix: string, payload: Uint8Array, echoProcess: ChildProcess | undefined) {
  const latency: number[] = [];
  const sentAt = new Map<number, number>();
  const echo = echoProcess ? undefined : bus.nc.subscribe(`${prefix}.in`, { callback: (_e, m) => bus.nc.publish(`${prefix}.out`, m.data) });
  const back = bus.nc.subscribe(`${prefix}.out`, {
    callback: (_e, m) => {
      const id = new DataView(m.data.buffer, m.data.byteOffset, 4).getUint32(0);
      latency.push(nowMs() - (sentAt.get(id) ?? 0));
    },
  });
  await bus.nc.flush();
  const framed = new Uint8Array(4 + payload.length);
  framed.set(payload, 4);
  const roundTrips = async (seconds: number) => {
    latency.length = 0;
    const sent = await paced((i) => {
      new DataView(framed.buffer).setUint32(0, i);
      sentAt.set(i, nowMs());
      bus.nc.publish(`${prefix}.in`, framed);
    }, seconds);
    const deadline = nowMs() + 5_000;
    while (latency.length < sent && nowMs() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return sent;
  };
  await roundTrips(WARM_UP_SECONDS);
  const sent = await roundTrips(SECONDS);
  echo?.unsubscribe();
  back.unsubscribe();
  return { sent, received: latency.length, latencyMs: percentiles(latency) };
}

export async function run(): Promise<void> {
  const servers = process.env.GH_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
  const root = `benchtv${randomBytes(4).toString("hex")}`;
  const prefix = `BENCHTV_${root.toUpperCase()}_`;
  const bus = await Bus.connect({ servers, name: "bench-template-verifier", subjectRoot: root });
  const { child: verifier, ops } = await startVerifier(servers, root, prefix);
  try {
    const payload = toBinary(TemplateProposalSchema, proposal(0));

    // Floors, same bytes and rate: echoed once through NATS by this process, and by another process
    // (the verifier's own path crosses processes too, so scheduling on this shared machine counts).
    const floor = await echoFloor(bus, `${root}.floor1`, payload, undefined);
    const echoProcess = await startNatsPeer(servers, ["forward", `${root}.floor2.in`, `${root}.floor2.out`]);
    const crossFloor = await echoFloor(bus, `${root}.floor2`, payload, echoProcess).finally(() => echoProcess.kill("SIGTERM"));

    // Paced load on the verifier.
    const sentAt = new Map<bigint, number>();
    const latency: number[] = [];
    let verdicts = 0;
    let accepted = 0;
    let warmUpAnswered = 0;
    const sub = bus.subscribe(bus.subjects.templateVerdict, TemplateVerdictSchema, (v) => {
      if (v.sourceInstanceId === "warm-up") warmUpAnswered += 1;
      const at = sentAt.get(v.templateId);
      if (at === undefined) return;
      sentAt.delete(v.templateId);
      latency.push(nowMs() - at);
      verdicts += 1;
      if (v.accepted) accepted += 1;
    });
    // Encoded before the clock starts, so the bench's own CPU stays off the measured path.
    const encodedLoad = Array.from({ length: RATE * SECONDS }, (_, i) => encode(TemplateProposalSchema, proposal(i + 1)));
    const warmUp = Array.from({ length: RATE * WARM_UP_SECONDS }, (_, i) => {
      const p = proposal(RATE * SECONDS + i + 1);
      p.sourceInstanceId = "warm-up";
      return encode(TemplateProposalSchema, p);
    });
    const warmUpSent = await paced((i) => {
      const e = warmUp[i] as (typeof warmUp)[number];
      bus.nc.publish(bus.subjects.templateProposed, e.data, { headers: e.headers });
    }, WARM_UP_SECONDS);
    await whileVerifierAlive(() => warmUpAnswered < warmUpSent, 10_000);
    const stalls = await watchStalls(ops, "gatehouse_template_verifier_");
    const cpuBefore = cpuSecondsOf(verifier.pid as number);
    const loadStarted = nowMs();
    const sent = await paced((i) => {
      const e = encodedLoad[i] as (typeof encodedLoad)[number];
      sentAt.set(BigInt(i + 1), nowMs());
      bus.nc.publish(bus.subjects.templateProposed, e.data, { headers: e.headers });
    });
    await whileVerifierAlive(() => verdicts < sent, 10_000);
    const loadSeconds = (nowMs() - loadStarted) / 1000;
    const loadCpu = cpuSecondsOf(verifier.pid as number) - cpuBefore;
    const { serviceEventLoopLagMs, serviceGcMsPerSecond, serviceMarkCompacts, serviceScavenges, benchEventLoopDelayMs } = await stalls();

    // Saturation: a window of outstanding proposals, as fast as the verifier answers.
    const window = 2_000;
    let answered = 0;
    let issued = 0;
    const satSub = bus.subscribe(bus.subjects.templateVerdict, TemplateVerdictSchema, (v) => {
      if (v.sourceInstanceId !== "sat") return;
      answered += 1;
      while (issued < SATURATION_COUNT && issued - answered < window) publishSat();
    });
    const saturation = Array.from({ length: SATURATION_COUNT }, (_, i) => {
      const p = proposal(i + 1);
      p.sourceInstanceId = "sat";
      return encode(TemplateProposalSchema, p);
    });
    const publishSat = () => {
      const e = saturation[issued++] as (typeof saturation)[number];
      bus.nc.publish(bus.subjects.templateProposed, e.data, { headers: e.headers });
    };
    const satCpuBefore = cpuSecondsOf(verifier.pid as number);
    const satStarted = nowMs();
    while (issued < Math.min(window, SATURATION_COUNT)) publishSat();
    await whileVerifierAlive(() => answered < SATURATION_COUNT, 120_000);
    const satSeconds = (nowMs() - satStarted) / 1000;
    const satCpu = cpuSecondsOf(verifier.pid as number) - satCpuBefore;
    await sub.drain();
    await satSub.drain();

    const lat = percentiles(latency);
    const mainnetSize = process.env.BENCH_TV_MAINNET === "0" ? "skipped (BENCH_TV_MAINNET=0)" : await runMainnetSize();
    const templateTransactions = runTemplateTransactions();
    emit({
      benchmark: "template-verifier",
      note: "2-core machine shared with other engineers' work: absolute figures are noisy; compare with the same run's floor",
      proposal: { bytes: payload.length, kind: "summary proposal (3,000 tx, no raw transactions)" },
      floor: { what: "NATS echo of the same bytes by the bench process, same rate", ...floor },
      crossProcessFloor: { what: "NATS echo of the same bytes by a separate node process, same rate", ...crossFloor },
      paced: {
        ratePerSecond: RATE,
        seconds: SECONDS,
        sent,
        verdicts,
        dropped: sent - verdicts,
        accepted,
        latencyMs: lat,
        p99RatioToFloor: lat.p99 / (floor.latencyMs.p99 || 1),
        p99RatioToCrossProcessFloor: lat.p99 / (crossFloor.latencyMs.p99 || 1),
        verifierCpuSeconds: loadCpu,
        verifierCpuShare: loadCpu / loadSeconds,
        verifierEventLoopLagMs: serviceEventLoopLagMs,
        verifierGcMsPerSecond: serviceGcMsPerSecond,
        verifierScavenges: serviceScavenges,
        verifierMarkCompacts: serviceMarkCompacts,
        benchEventLoopDelayMs,
      },
      saturation: {
        proposals: SATURATION_COUNT,
        answered,
        wallSeconds: satSeconds,
        verdictsPerSecondWall: answered / satSeconds,
        verifierCpuSeconds: satCpu,
        verdictsPerCpuSecond: answered / (satCpu || 1e-9),
      },
      mainnetSize,
      templateTransactions,
      targets: { original: "ReserveGrid OS: < 6 ms average, < 35 ms p99 at 2,000/s, zero drops" },
    });
  } finally {
    if (!exitedEarly) {
      const exited = new Promise((resolve) => verifier.once("exit", resolve));
      verifier.kill("SIGTERM");
      await exited;
    }
    const jsm = await bus.jsm();
    for (const s of ["TEMPLATES", "BLOCKS"]) await jsm.streams.delete(`${prefix}${s}`).catch(() => undefined);
    await jsm.streams.delete(`OBJ_${prefix}TEMPLATE_TRANSACTIONS`).catch(() => undefined);
    await bus.close();
  }
}
