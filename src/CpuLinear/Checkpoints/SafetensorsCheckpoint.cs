using System.Buffers.Binary;
using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using CpuLinear.Networks;

namespace CpuLinear.Checkpoints;

/// <summary>
/// Reads and writes <see cref="Checkpoint"/>s in the safetensors format (docs/checkpoints.md): an 8-byte
/// little-endian header length, a JSON header naming every tensor's dtype, shape and byte range, then the raw
/// little-endian data. Any safetensors reader (Python, Rust, Julia) can open the files. The metadata carries
/// the SHA-256 of the data section (<see cref="DigestKey"/>), which <see cref="Read"/> verifies; files written
/// before it existed still load (<see cref="Checkpoint.DataSha256"/> is then null).
/// </summary>
public static partial class SafetensorsCheckpoint
{
    /// <summary>The largest header accepted; the reference implementation's limit, far above what a network needs.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// The <c>__metadata__</c> key holding the SHA-256 of the data section (every byte after the header), as 64
    /// lower-case hex digits.
    /// </summary>
    public const string DigestKey = "data_sha256";

    private const string MetadataKey = "__metadata__";
    private static readonly string[] NamedKeys = ["format", "widths", "scale_exponent", "semantics", "trainer", "gradient", "seed", "step", DigestKey];

    /// <summary>
    /// Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically: to a temporary file in the same
    /// folder, then renamed over the target, so a reader never sees half a file. The header carries the SHA-256
    /// of the data (computed here; <see cref="Checkpoint.DataSha256"/> is not used).
    /// </summary>
    public static void Write(string path, Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(checkpoint);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                WriteTo(stream, checkpoint);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>The bytes <see cref="Write"/> puts in a file (for sending a checkpoint to another machine; <see cref="Parse"/> reads them).</summary>
    public static byte[] ToBytes(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        using var stream = new MemoryStream();
        WriteTo(stream, checkpoint);
        return stream.ToArray();
    }

    private static void WriteTo(Stream stream, Checkpoint checkpoint)
    {
        if ((checkpoint.AdamFirstMoment is null) != (checkpoint.AdamSecondMoment is null))
        {
            throw new ArgumentException("Adam's m and v are saved together or not at all.", nameof(checkpoint));
        }

        List<(string Name, int[] Shape, float[] Data, int Offset, int Length)> tensors = Tensors(checkpoint);
        byte[] header = Header(checkpoint, tensors, DataDigest(tensors));
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var tensor in tensors)
        {
            WriteLittleEndian(stream, tensor.Data.AsSpan(tensor.Offset, tensor.Length));
        }
    }

    /// <summary>
    /// Reads and validates a checkpoint: its structure, the SHA-256 of its data when the file carries one (see
    /// <see cref="Checkpoint.DataSha256"/> for files that do not), and that every parameter is finite.
    /// </summary>
    /// <exception cref="CheckpointFormatException">
    /// The file is not a valid checkpoint, its data does not match its checksum, or a parameter is NaN or
    /// infinite; the message names the file and says where and why.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Checkpoint Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(path, File.ReadAllBytes(path));
    }

    /// <summary>Parses a checkpoint held in memory; <paramref name="path"/> only names it in error messages.</summary>
    /// <exception cref="CheckpointFormatException">The bytes are not a valid checkpoint.</exception>
    public static Checkpoint Parse(string path, ReadOnlySpan<byte> file)
    {
        if (file.Length < 8)
        {
            throw new CheckpointFormatException(path, 0, "file truncated before the header length", "at least 8 bytes", $"{file.Length} bytes");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength < 2 || headerLength > MaxHeaderBytes || headerLength > (ulong)(file.Length - 8))
        {
            throw new CheckpointFormatException(path, 0, "header length out of range",
                $"2 to {Math.Min(MaxHeaderBytes, file.Length - 8)} bytes (the file holds {file.Length} bytes)", $"{headerLength}");
        }

        ReadOnlySpan<byte> headerBytes = file.Slice(8, (int)headerLength);
        ReadOnlySpan<byte> data = file[(8 + (int)headerLength)..];
        long dataStart = 8 + (long)headerLength;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes.ToArray());
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(path, 8 + (ex.BytePositionInLine ?? 0), "header is not valid JSON", "a JSON object", Quote(ex.Message), ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(path, 8, "header is not a JSON object", "an object of tensors", document.RootElement.ValueKind.ToString());
            }

            Dictionary<string, string> metadata = ReadMetadata(path, document.RootElement);
            Dictionary<string, TensorEntry> entries = ReadEntries(path, document.RootElement, data.Length, dataStart);
            CheckCoverage(path, entries, data.Length, dataStart);
            string? digest = VerifyDigest(path, metadata, data, dataStart);
            return Build(path, metadata, entries, data, dataStart) with { DataSha256 = digest };
        }
    }

    private static List<(string, int[], float[], int, int)> Tensors(Checkpoint checkpoint)
    {
        NetworkParameters parameters = checkpoint.Parameters;
        NetworkArchitecture net = parameters.Architecture;
        var tensors = new List<(string, int[], float[], int, int)>();
        for (int l = 0; l < net.LayerCount; l++)
        {
            tensors.Add(($"layers.{l}.weight", [net.Widths[l], net.Widths[l + 1]], parameters.Values, net.WeightOffset(l), net.Widths[l] * net.Widths[l + 1]));
            tensors.Add(($"layers.{l}.bias", [net.Widths[l + 1]], parameters.Values, net.BiasOffset(l), net.Widths[l + 1]));
        }

        foreach ((string name, float[]? moment) in new[] { ("adam.m", checkpoint.AdamFirstMoment), ("adam.v", checkpoint.AdamSecondMoment) })
        {
            if (moment is null)
            {
                continue;
            }

            if (moment.Length != net.ParameterCount)
            {
                throw new ArgumentException($"{name} has {moment.Length} values; {net} has {net.ParameterCount} parameters.", nameof(checkpoint));
            }

            tensors.Add((name, [moment.Length], moment, 0, moment.Length));
        }

        return tensors;
    }

    /// <summary>SHA-256 of the data section as written: the tensors' little-endian bytes back to back.</summary>
    private static string DataDigest(List<(string Name, int[] Shape, float[] Data, int Offset, int Length)> tensors)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var tensor in tensors)
        {
            ReadOnlySpan<float> values = tensor.Data.AsSpan(tensor.Offset, tensor.Length);
            if (BitConverter.IsLittleEndian)
            {
                sha.AppendData(MemoryMarshal.AsBytes(values));
                continue;
            }

            foreach (float value in values)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                sha.AppendData(bytes);
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static byte[] Header(Checkpoint checkpoint, List<(string Name, int[] Shape, float[] Data, int Offset, int Length)> tensors, string digest)
    {
        NetworkArchitecture net = checkpoint.Parameters.Architecture;
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject(MetadataKey);
            json.WriteString("format", "cpulinear-checkpoint/1");
            json.WriteString("widths", string.Join('-', net.Widths));
            json.WriteString("scale_exponent", net.ScaleExponent.ToString(CultureInfo.InvariantCulture));
            json.WriteString("semantics", CheckpointNames.Of(checkpoint.Semantics));
            json.WriteString("trainer", checkpoint.Trainer);
            if (checkpoint.Gradient is not null)
            {
                json.WriteString("gradient", checkpoint.Gradient);
            }

            json.WriteString("seed", checkpoint.Seed.ToString(CultureInfo.InvariantCulture));
            json.WriteString("step", checkpoint.Step.ToString(CultureInfo.InvariantCulture));
            json.WriteString(DigestKey, digest);
            foreach ((string key, string value) in checkpoint.Extra.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                if (!NamedKeys.Contains(key))
                {
                    json.WriteString(key, value);
                }
            }

            json.WriteEndObject();
            long offset = 0;
            foreach (var tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int dimension in tensor.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += 4L * tensor.Length;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        // Pad with spaces (allowed by the format) so the data starts 8-byte aligned and can be memory-mapped as floats.
        int padded = (buffer.WrittenCount + 8 + 7) / 8 * 8 - 8;
        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteLittleEndian(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        Span<byte> bytes = stackalloc byte[4];
        foreach (float value in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
            stream.Write(bytes);
        }
    }

    private static string Quote(string text) => text.Length > 120 ? $"'{text[..117]}...'" : $"'{text}'";
}
