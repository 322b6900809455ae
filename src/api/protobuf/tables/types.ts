/**
 * Format of the generated protobuf message tables (see tools/gen-tables.mjs).
 *
 * A table maps a message name ('core.PodSpec', 'meta.ObjectMeta', …) to its
 * fields in Go struct order (the order encoding/json prints them). Each row is
 *
 *   [protobuf field number, JSON name, Go type]
 *
 * JSON name: the Go json tag name, suffixed with '?' when the tag has
 * `omitempty`; '' for an embedded struct that encoding/json inlines into the
 * parent (e.g. Volume.VolumeSource, Probe.ProbeHandler), which protobuf still
 * encodes as a nested message.
 *
 * Go type:
 *   type    := '*' base            pointer (nil unless the field is on the wire)
 *            | '[]' base           repeated
 *            | 'map[string]' base  map entries {key = 1, value = 2}
 *            | 'bytes'             []byte (base64 in JSON)
 *            | base                value
 *   base    := 'string' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'double' | 'float'
 *            | special | message name
 *   special := 'Time' | 'MicroTime' | 'Duration' | 'Quantity' | 'IntOrString' | 'RawExtension' | 'FieldsV1'
 *              (apimachinery types with hand-written protobuf and JSON forms)
 */
export type FieldRow = readonly [number: number, json: string, type: string];

export type MessageTable = Readonly<Record<string, readonly FieldRow[]>>;
