// An N-node JetStream cluster of nats-server on loopback: each node with its own client, route
// and monitoring port and its own store directory, routes to every node, one cluster name. The
// dev stack runs the nodes as supervised components (tests kill -9 and restart them); tests that
// only need a cluster start one with startNatsCluster.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus } from "@gatehouse/bus";
import { waitFor } from "@gatehouse/service";
import { stablePort } from "./ports.js";

const HOST = "127.0.0.1";

export interface NatsNodePorts {
  client: number;
  cluster: number;
  monitor: number;
}

export interface NatsNode {
  /** Server name, also the process name: `nats-0`, `nats-1`, … */
  name: string;
  ports: NatsNodePorts;
  storeDir: string;
  /** nats-server's arguments. */
  args: string[];
  clientUrl: string;
}

/** The nodes of a cluster named `clusterName` on the given ports, stores under `storeRoot`. */
export function natsClusterNodes(clusterName: string, ports: readonly NatsNodePorts[], storeRoot: string): NatsNode[] {
  const routes = ports.map((p) => `nats://${HOST}:${p.cluster}`).join(",");
  return ports.map((p, i) => {
    const name = `nats-${i}`;
    const storeDir = join(storeRoot, name);
    const args = [
      ...["-a", HOST, "-p", String(p.client), "-m", String(p.monitor), "-n", name],
      ...["-js", "-sd", storeDir],
      ...["--cluster_name", clusterName, "--cluster", `nats://${HOST}:${p.cluster}`, "--routes", routes],
    ];
    return { name, ports: p, storeDir, args, clientUrl: `nats://${HOST}:${p.client}` };
  });
}

/** The comma-separated URL services take as `nats.url`: every node, so a client fails over. */
export function clusterUrl(nodes: readonly NatsNode[]): string {
  return nodes.map((n) => n.clientUrl).join(",");
}

/** Ports below the ephemeral range for `count` nodes, none repeated and none of `chosen` (the rest of a stack's). */
export async function natsClusterPorts(count: number, chosen: Iterable<number> = []): Promise<NatsNodePorts[]> {
  const taken = new Set<number>(chosen);
  const next = async () => {
    const port = await stablePort(HOST, taken);
    taken.add(port);
    return port;
  };
  const out: NatsNodePorts[] = [];
  for (let i = 0; i < count; i++) out.push({ client: await next(), cluster: await next(), monitor: await next() });
  return out;
}

/**
 * True when JetStream answers API requests through `url`: in a cluster, only once the nodes have
 * elected a metadata leader (a node answering INFO with `jetstream: true` may not have yet).
 */
export async function jetStreamAnswers(url: string): Promise<boolean> {
  let bus: Bus | undefined;
  try {
    bus = await Bus.connect({ servers: url.split(","), name: "jetstream-probe" });
    await (await bus.jsm()).getAccountInfo();
    return true;
  } catch {
    return false;
  } finally {
    await bus?.close().catch(() => {});
  }
}

export interface NatsCluster {
  url: string;
  nodes: readonly NatsNode[];
  /** kill -9 of node `i` (its store stays); resolves once it exited. */
  kill(i: number): Promise<void>;
  /** Starts node `i` again with the same ports and store. */
  start(i: number): void;
  stop(): Promise<void>;
}

/** Starts `count` nodes and waits until JetStream answers on every one; `stop` removes the stores. */
export async function startNatsCluster(count: number, clusterName = `gh-${process.pid}-${Date.now().toString(36)}`): Promise<NatsCluster> {
  const storeRoot = mkdtempSync(join(tmpdir(), "gh-nats-cluster-"));
  const nodes = natsClusterNodes(clusterName, await natsClusterPorts(count), storeRoot);
  const children: (ChildProcess | undefined)[] = nodes.map(() => undefined);
  const start = (i: number) => {
    const node = nodes[i] as NatsNode;
    mkdirSync(node.storeDir, { recursive: true });
    const child = spawn("nats-server", node.args, { stdio: "ignore" });
    child.once("error", () => {});
    children[i] = child;
  };
  const kill = (i: number) =>
    new Promise<void>((resolve) => {
      const child = children[i];
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  const stop = async () => {
    await Promise.all(nodes.map((_, i) => kill(i)));
    rmSync(storeRoot, { recursive: true, force: true });
  };
  for (let i = 0; i < nodes.length; i++) start(i);
  try {
    for (const node of nodes)
      await waitFor(() => jetStreamAnswers(node.clientUrl), {
        timeoutMs: 30_000,
        description: `${node.name} of the NATS cluster`,
        intervalMs: 250,
        onError: "fail",
      });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: clusterUrl(nodes), nodes, kill, start, stop };
}
