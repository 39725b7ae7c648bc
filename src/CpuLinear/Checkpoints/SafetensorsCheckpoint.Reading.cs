using System.Buffers.Binary;
using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using CpuLinear.Networks;

namespace CpuLinear.Checkpoints;

// Reading: the header's metadata and tensor entries, their coverage of the data, the digest, shapes and finite values.
public static partial class SafetensorsCheckpoint
{
    /// <summary>
    /// Checks the data against the metadata's SHA-256; returns the digest, or null when the file has none
    /// (written before checkpoints carried one).
    /// </summary>
    private static string? VerifyDigest(string path, Dictionary<string, string> metadata, ReadOnlySpan<byte> data, long dataStart)
    {
        if (!metadata.TryGetValue(DigestKey, out string? expected))
        {
            return null;
        }

        if (expected.Length != 64 || !expected.All(char.IsAsciiHexDigitLower))
        {
            throw new CheckpointFormatException(path, 8, $"__metadata__ entry '{DigestKey}' is not a SHA-256 digest", "64 lower-case hex digits", Quote(expected));
        }

        string actual = Convert.ToHexStringLower(SHA256.HashData(data));
        if (actual != expected)
        {
            throw new CheckpointFormatException(path, dataStart, "tensor data does not match its SHA-256 checksum (the file is corrupt)",
                $"{DigestKey} {expected} (from the header)", $"{actual} over the {data.Length} data bytes");
        }

        return expected;
    }

    private static Dictionary<string, string> ReadMetadata(string path, JsonElement root)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!root.TryGetProperty(MetadataKey, out JsonElement element))
        {
            throw new CheckpointFormatException(path, 8, "no __metadata__ in the header", "a __metadata__ object with widths, scale_exponent, semantics, trainer, seed, step", "none");
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, 8, "__metadata__ is not an object", "an object of strings", element.ValueKind.ToString());
        }

        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointFormatException(path, 8, $"__metadata__ entry '{property.Name}' is not a string", "string values only", property.Value.ValueKind.ToString());
            }

            metadata[property.Name] = property.Value.GetString()!;
        }

        return metadata;
    }

    private sealed record TensorEntry(string Name, int[] Shape, long Begin, long End);

    private static Dictionary<string, TensorEntry> ReadEntries(string path, JsonElement root, int dataLength, long dataStart)
    {
        var entries = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (property.Name == MetadataKey)
            {
                continue;
            }

            string name = property.Name;
            JsonElement tensor = property.Value;
            if (tensor.ValueKind != JsonValueKind.Object
                || !tensor.TryGetProperty("dtype", out JsonElement dtype) || dtype.ValueKind != JsonValueKind.String
                || !tensor.TryGetProperty("shape", out JsonElement shape) || shape.ValueKind != JsonValueKind.Array
                || !tensor.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array)
            {
                throw new CheckpointFormatException(path, 8, $"tensor '{name}' is malformed", "an object with dtype (string), shape and data_offsets (arrays)", Quote(tensor.GetRawText()));
            }

            if (dtype.GetString() != "F32")
            {
                throw new CheckpointFormatException(path, 8, $"tensor '{name}' has an unsupported dtype", "F32", Quote(dtype.GetString()!));
            }

            var dimensions = new List<int>();
            foreach (JsonElement dimension in shape.EnumerateArray())
            {
                if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out int value) || value < 0)
                {
                    throw new CheckpointFormatException(path, 8, $"tensor '{name}' has a bad shape", "non-negative integers", shape.GetRawText());
                }

                dimensions.Add(value);
            }

            long[] range = offsets.EnumerateArray().Select(o => o.ValueKind == JsonValueKind.Number && o.TryGetInt64(out long v) ? v : -1).ToArray();
            if (range.Length != 2 || range[0] < 0 || range[1] < range[0])
            {
                throw new CheckpointFormatException(path, 8, $"tensor '{name}' has bad data_offsets", "[begin, end] with 0 <= begin <= end", offsets.GetRawText());
            }

            if (range[1] > dataLength)
            {
                throw new CheckpointFormatException(path, dataStart + range[0], $"tensor '{name}' runs past the end of the data (file truncated?)",
                    $"data_offsets within the {dataLength}-byte data buffer", $"[{range[0]}, {range[1]}]");
            }

            long elements = dimensions.Aggregate(1L, (product, d) => product * d);
            if (range[1] - range[0] != elements * 4)
            {
                throw new CheckpointFormatException(path, dataStart + range[0], $"tensor '{name}' byte size disagrees with its shape",
                    $"{elements * 4} bytes for F32 shape [{string.Join(", ", dimensions)}]", $"{range[1] - range[0]} bytes");
            }

            entries[name] = new TensorEntry(name, [.. dimensions], range[0], range[1]);
        }

        return entries;
    }

    /// <summary>The tensors must tile the data buffer exactly: no overlap, no gap, no trailing bytes.</summary>
    private static void CheckCoverage(string path, Dictionary<string, TensorEntry> entries, int dataLength, long dataStart)
    {
        long expected = 0;
        TensorEntry? previous = null;
        foreach (TensorEntry entry in entries.Values.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin < expected)
            {
                throw new CheckpointFormatException(path, dataStart + entry.Begin, $"tensor '{entry.Name}' overlaps '{previous!.Name}'",
                    $"data starting at {expected} or later", $"[{entry.Begin}, {entry.End}]");
            }

            if (entry.Begin > expected)
            {
                throw new CheckpointFormatException(path, dataStart + expected, "gap in the data buffer",
                    $"a tensor starting at {expected}", $"the next one ('{entry.Name}') starting at {entry.Begin}");
            }

            expected = entry.End;
            previous = entry;
        }

        if (expected != dataLength)
        {
            throw new CheckpointFormatException(path, dataStart + expected, "tensors do not cover the data buffer",
                $"{expected} bytes of data", $"{dataLength} bytes");
        }
    }

    private static Checkpoint Build(string path, Dictionary<string, string> metadata, Dictionary<string, TensorEntry> entries, ReadOnlySpan<byte> data, long dataStart)
    {
        string Required(string key) => metadata.TryGetValue(key, out string? value)
            ? value
            : throw new CheckpointFormatException(path, 8, $"__metadata__ has no '{key}'", $"a '{key}' entry", "none");

        NetworkArchitecture net;
        try
        {
            net = NetworkArchitecture.Parse(Required("widths"), int.Parse(Required("scale_exponent"), NumberStyles.None, CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
        {
            throw new CheckpointFormatException(path, 8, "metadata does not describe a network", "widths like 784-512-512-10 and scale_exponent in [1, 126]",
                $"widths '{Required("widths")}', scale_exponent '{Required("scale_exponent")}'", ex);
        }

        FloatSemantics semantics = CheckpointNames.ParseSemantics(Required("semantics"))
            ?? throw new CheckpointFormatException(path, 8, "unknown semantics", "ieee, ftz-elementwise or ftz-everywhere", Quote(Required("semantics")));
        if (!ulong.TryParse(Required("seed"), NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed))
        {
            throw new CheckpointFormatException(path, 8, "seed is not a number", "an unsigned integer", Quote(Required("seed")));
        }

        if (!long.TryParse(Required("step"), NumberStyles.None, CultureInfo.InvariantCulture, out long step))
        {
            throw new CheckpointFormatException(path, 8, "step is not a number", "a non-negative integer", Quote(Required("step")));
        }

        var values = new float[net.ParameterCount];
        var expectedShapes = new Dictionary<string, (int[] Shape, int Offset)>(StringComparer.Ordinal);
        for (int l = 0; l < net.LayerCount; l++)
        {
            expectedShapes[$"layers.{l}.weight"] = ([net.Widths[l], net.Widths[l + 1]], net.WeightOffset(l));
            expectedShapes[$"layers.{l}.bias"] = ([net.Widths[l + 1]], net.BiasOffset(l));
        }

        float[]? m = null, v = null;
        foreach (TensorEntry entry in entries.Values)
        {
            if (expectedShapes.TryGetValue(entry.Name, out var expected))
            {
                RequireShape(path, entry, expected.Shape, dataStart, net);
                ReadFloats(data, entry, values.AsSpan(expected.Offset));
                RequireFinite(path, entry, values.AsSpan(expected.Offset, entry.Shape.Aggregate(1, (product, d) => product * d)), dataStart);
            }
            else if (entry.Name is "adam.m" or "adam.v")
            {
                RequireShape(path, entry, [net.ParameterCount], dataStart, net);
                var moment = new float[net.ParameterCount];
                ReadFloats(data, entry, moment);
                (entry.Name == "adam.m" ? ref m : ref v) = moment;
            }
            else
            {
                throw new CheckpointFormatException(path, dataStart + entry.Begin, $"unexpected tensor '{entry.Name}'",
                    "layers.{l}.weight, layers.{l}.bias, adam.m or adam.v", Quote(entry.Name));
            }
        }

        foreach (string name in expectedShapes.Keys.Where(n => !entries.ContainsKey(n)))
        {
            throw new CheckpointFormatException(path, 8, $"tensor '{name}' is missing", $"every layer of {net}", $"tensors {string.Join(", ", entries.Keys.Order(StringComparer.Ordinal))}");
        }

        if ((m is null) != (v is null))
        {
            throw new CheckpointFormatException(path, 8, "Adam state is half there", "both adam.m and adam.v, or neither", m is null ? "only adam.v" : "only adam.m");
        }

        return new Checkpoint(new NetworkParameters(net, values), semantics, Required("trainer"), metadata.GetValueOrDefault("gradient"), seed, step, m, v)
        {
            Extra = metadata.Where(e => !NamedKeys.Contains(e.Key)).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal),
        };
    }

    private static void RequireShape(string path, TensorEntry entry, int[] shape, long dataStart, NetworkArchitecture net)
    {
        if (!entry.Shape.SequenceEqual(shape))
        {
            throw new CheckpointFormatException(path, dataStart + entry.Begin, $"tensor '{entry.Name}' does not match the widths {string.Join('-', net.Widths)}",
                $"shape [{string.Join(", ", shape)}]", $"[{string.Join(", ", entry.Shape)}]");
        }
    }

    /// <summary>
    /// A NaN or infinite weight or bias is an error, naming the tensor and the element (a checkpoint without a
    /// checksum could otherwise be evaluated with corrupt weights as if valid).
    /// </summary>
    private static void RequireFinite(string path, TensorEntry entry, ReadOnlySpan<float> values, long dataStart)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                string where = entry.Shape.Length == 2 ? $"[{i / entry.Shape[1]}, {i % entry.Shape[1]}]" : $"[{i}]";
                throw new CheckpointFormatException(path, dataStart + entry.Begin + (4L * i),
                    $"tensor '{entry.Name}' element {i} {where} is not finite", "finite float32 parameters",
                    $"{values[i].ToString(CultureInfo.InvariantCulture)} (0x{BitConverter.SingleToUInt32Bits(values[i]):X8})");
            }
        }
    }

    private static void ReadFloats(ReadOnlySpan<byte> data, TensorEntry entry, Span<float> destination)
    {
        ReadOnlySpan<byte> bytes = data[(int)entry.Begin..(int)entry.End];
        int count = bytes.Length / 4;
        for (int i = 0; i < count; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4, 4));
        }
    }
}
