// References to the core objects a restore touches, and their shapes as the port returns them.
import type { Obj, Ref } from "../../shared/kube/port.ts";
import type { PvcLike, PvLike } from "./decide.ts";

export type PvcObj = PvcLike & Obj;
export type PvObj = PvLike & Obj;

export const pvcRef = (namespace: string, name: string): Ref => ({ apiVersion: "v1", kind: "PersistentVolumeClaim", namespace, name });
export const pvRef = (name: string): Ref => ({ apiVersion: "v1", kind: "PersistentVolume", name });
export const podRef = (namespace: string, name: string): Ref => ({ apiVersion: "v1", kind: "Pod", namespace, name });
