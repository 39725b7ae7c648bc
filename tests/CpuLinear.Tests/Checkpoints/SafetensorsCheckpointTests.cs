using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using CpuLinear.Checkpoints;
using CpuLinear.Networks;

namespace CpuLinear.Tests.Checkpoints;

public sealed class SafetensorsCheckpointTests : TemporaryFolderTest
{
    private static readonly NetworkArchitecture Net = new([7, 5, 3], scaleExponent: 120);

    public SafetensorsCheckpointTests()
        : base("cpulinear-ckpt-") => Directory.CreateDirectory(Folder);

    [Fact]
    public void Round_trip_keeps_every_bit_and_all_metadata()
    {
        Checkpoint original = Sample(withAdam: true);
        string path = Path.Combine(Folder, "net.safetensors");
        SafetensorsCheckpoint.Write(path, original);
        Checkpoint read = SafetensorsCheckpoint.Read(path);

        Assert.Equal(Net, read.Parameters.Architecture);
        Assert.Equal(Bits(original.Parameters.Values), Bits(read.Parameters.Values));
        Assert.Equal(Bits(original.AdamFirstMoment!), Bits(read.AdamFirstMoment!));
        Assert.Equal(Bits(original.AdamSecondMoment!), Bits(read.AdamSecondMoment!));
        Assert.Equal((FloatSemantics.FtzElementwise, "bp", "ftz-aware", 42UL, 1234L), (read.Semantics, read.Trainer, read.Gradient, read.Seed, read.Step));
        Assert.Equal("3", read.Extra["epoch"]);
        Assert.NotNull(read.DataSha256);
        Assert.Equal([path], Directory.GetFiles(Folder)); // the temporary file was renamed, not left behind
    }

    [Fact]
    public void Layout_is_the_documented_safetensors_layout()
    {
        string path = Path.Combine(Folder, "layout.safetensors");
        Checkpoint checkpoint = Sample(withAdam: false);
        SafetensorsCheckpoint.Write(path, checkpoint);
        byte[] file = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0UL, (8 + headerLength) % 8); // data 8-byte aligned

        using JsonDocument header = JsonDocument.Parse(file.AsMemory(8, (int)headerLength));
        JsonElement weight = header.RootElement.GetProperty("layers.1.weight");
        Assert.Equal("F32", weight.GetProperty("dtype").GetString());
        Assert.Equal([5, 3], weight.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        long begin = weight.GetProperty("data_offsets")[0].GetInt64();
        // Row-major [fan_in, fan_out]: element (1, 2) of layer 1 is float number 1·3 + 2 of the tensor.
        float element = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan((int)(8 + (long)headerLength + begin + (4 * 5)), 4));
        Assert.Equal(checkpoint.Parameters.Weights(1)[5], element);
        JsonElement metadata = header.RootElement.GetProperty("__metadata__");
        Assert.Equal("7-5-3", metadata.GetProperty("widths").GetString());
        Assert.Equal("120", metadata.GetProperty("scale_exponent").GetString());
        Assert.Equal("ftz-elementwise", metadata.GetProperty("semantics").GetString());
        Assert.False(header.RootElement.TryGetProperty("adam.m", out _));
    }

    [Fact]
    public void Writing_over_an_existing_checkpoint_replaces_it()
    {
        string path = Path.Combine(Folder, "over.safetensors");
        SafetensorsCheckpoint.Write(path, Sample(withAdam: true));
        Checkpoint second = Sample(withAdam: false) with { Step = 99 };
        SafetensorsCheckpoint.Write(path, second);
        Assert.Equal(99, SafetensorsCheckpoint.Read(path).Step);
        Assert.Null(SafetensorsCheckpoint.Read(path).AdamFirstMoment);
        Assert.Single(Directory.GetFiles(Folder));
    }

    [Fact]
    public void File_shorter_than_the_length_prefix_is_reported_as_truncated()
    {
        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("short.st", new byte[5]));
        Assert.Equal("Invalid checkpoint 'short.st' at byte offset 0: file truncated before the header length; expected at least 8 bytes, found 5 bytes.", ex.Message);
    }

    [Fact]
    public void Header_length_past_the_end_of_the_file_is_rejected()
    {
        byte[] file = Valid();
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);
        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("long.st", file));
        Assert.Contains("'long.st' at byte offset 0: header length out of range", ex.Message);
        Assert.Contains($"found {file.Length}", ex.Message);
    }

    [Fact]
    public void Header_that_is_not_json_is_rejected()
    {
        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("bad.st", Build("{\"a\": [1, 2", [])));
        Assert.Equal("header is not valid JSON", ex.Problem);
        Assert.Contains("'bad.st'", ex.Message);
    }

    [Fact]
    public void Unknown_dtype_is_named()
    {
        string header = ValidHeader().Replace("\"F32\"", "\"BF16\"", StringComparison.Ordinal);
        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("dtype.st", Build(header, ValidData())));
        Assert.Contains("unsupported dtype; expected F32, found 'BF16'", ex.Message);
    }

    [Fact]
    public void Truncated_data_is_reported_with_the_tensor_that_runs_past_the_end()
    {
        byte[] file = Valid();
        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("cut.st", file.AsSpan(0, file.Length - 4)));
        Assert.Contains("runs past the end of the data (file truncated?)", ex.Message);
        Assert.Contains("layers.1.bias", ex.Message);
    }

    [Fact]
    public void Overlapping_tensors_are_rejected()
    {
        // Point layers.0.bias back into layers.0.weight's bytes (same size, so only the overlap is wrong).
        string header = ValidHeader(overrideBias0: (0, 20));
        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("overlap.st", Build(header, ValidData())));
        Assert.Contains("overlaps", ex.Message);
    }

    [Fact]
    public void Trailing_bytes_not_covered_by_any_tensor_are_rejected()
    {
        byte[] data = [.. ValidData(), 0, 0, 0, 0];
        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("trail.st", Build(ValidHeader(), data)));
        Assert.Equal("tensors do not cover the data buffer", ex.Problem);
        Assert.Equal($"{ValidData().Length} bytes of data", ex.Expected);
    }

    [Fact]
    public void Shape_that_disagrees_with_the_widths_is_rejected()
    {
        string header = ValidHeader().Replace("\"widths\":\"7-5-3\"", "\"widths\":\"5-7-3\"", StringComparison.Ordinal);
        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("shape.st", Build(header, ValidData())));
        Assert.Contains("does not match the widths 5-7-3", ex.Message);
        Assert.Contains("expected shape [5, 7], found [7, 5]", ex.Message);
    }

    [Fact]
    public void Byte_size_that_disagrees_with_the_shape_is_rejected()
    {
        string header = ValidHeader().Replace("\"shape\":[3]", "\"shape\":[4]", StringComparison.Ordinal);
        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("size.st", Build(header, ValidData())));
        Assert.Contains("byte size disagrees with its shape; expected 16 bytes", ex.Message);
    }

    [Fact]
    public void Missing_metadata_and_unknown_tensors_are_rejected()
    {
        string noMetadata = ValidHeader().Replace("\"__metadata__\"", "\"__other__\"", StringComparison.Ordinal);
        Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("meta.st", Build(noMetadata, ValidData())));
        string renamed = ValidHeader().Replace("layers.1.bias", "layers.9.bias", StringComparison.Ordinal);
        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("name.st", Build(renamed, ValidData())));
        Assert.Contains("unexpected tensor 'layers.9.bias'", ex.Message);
    }

    [Fact]
    public void The_header_carries_the_sha256_of_the_data_and_reading_verifies_it()
    {
        string path = Path.Combine(Folder, "digest.safetensors");
        SafetensorsCheckpoint.Write(path, Sample(withAdam: true) with { Extra = new Dictionary<string, string> { [SafetensorsCheckpoint.DigestKey] = "ignored" } });
        byte[] file = File.ReadAllBytes(path);
        int dataStart = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        using JsonDocument header = JsonDocument.Parse(file.AsMemory(8, dataStart - 8));
        string digest = header.RootElement.GetProperty("__metadata__").GetProperty(SafetensorsCheckpoint.DigestKey).GetString()!;
        // A standard digest any tool can check: sha256 of every byte after the header.
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file.AsSpan(dataStart))), digest);

        Checkpoint read = SafetensorsCheckpoint.Read(path);
        Assert.Equal(digest, read.DataSha256);
        Assert.False(read.Extra.ContainsKey(SafetensorsCheckpoint.DigestKey));
    }

    [Fact]
    public void One_flipped_bit_in_the_data_is_rejected_naming_the_file()
    {
        string path = Path.Combine(Folder, "flipped.safetensors");
        SafetensorsCheckpoint.Write(path, Sample(withAdam: true));
        byte[] file = File.ReadAllBytes(path);
        int dataStart = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        // The lowest mantissa bit of one weight: the value stays finite and plausible, only the checksum can tell.
        file[dataStart + (4 * 9)] ^= 1;
        File.WriteAllBytes(path, file);

        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Read(path));
        Assert.StartsWith($"Invalid checkpoint '{path}' at byte offset {dataStart}: tensor data does not match its SHA-256 checksum (the file is corrupt)", ex.Message);
        Assert.Equal(path, ex.Path);
    }

    [Fact]
    public void A_digest_that_is_not_sha256_hex_is_rejected()
    {
        string header = ValidHeader().Replace("\"step\":\"0\"", "\"step\":\"0\",\"data_sha256\":\"abc\"", StringComparison.Ordinal);
        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("digest.st", Build(header, ValidData())));
        Assert.Equal("__metadata__ entry 'data_sha256' is not a SHA-256 digest", ex.Problem);
        Assert.Equal("'abc'", ex.Found);
    }

    [Fact]
    public void A_checkpoint_written_before_checksums_still_loads_and_says_there_was_none()
    {
        // ValidHeader() is the layout every checkpoint had before the digest: no data_sha256 key.
        Checkpoint old = SafetensorsCheckpoint.Parse("old.st", Build(ValidHeader(), ValidData()));
        Assert.Null(old.DataSha256);
        Assert.Equal(Bits(Sample(withAdam: false).Parameters.Values), Bits(old.Parameters.Values));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_non_finite_weight_is_rejected_naming_the_tensor_and_element(float bad)
    {
        // Without a checksum (an old file): element 7 of layers.1.weight, row 2, column 1 of its [5, 3] matrix.
        byte[] data = ValidData();
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(160 + (4 * 7)), bad);
        byte[] file = Build(ValidHeader(), data);
        CheckpointFormatException ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Parse("nan.st", file));
        Assert.Equal("tensor 'layers.1.weight' element 7 [2, 1] is not finite", ex.Problem);
        Assert.Equal(file.Length - ValidData().Length + 160 + 28, ex.Offset);
        Assert.Contains("'nan.st'", ex.Message);

        // With a checksum that matches (the NaN was written, not corrupted): still an error, in a bias too.
        Checkpoint sample = Sample(withAdam: false);
        sample.Parameters.Values[Net.BiasOffset(0) + 4] = bad;
        string path = Path.Combine(Folder, "written.safetensors");
        SafetensorsCheckpoint.Write(path, sample);
        ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Read(path));
        Assert.Equal("tensor 'layers.0.bias' element 4 [4] is not finite", ex.Problem);
        Assert.Contains($"'{path}'", ex.Message);
    }

    private static Checkpoint Sample(bool withAdam)
    {
        var parameters = new NetworkParameters(Net, TestData.WideRange(Net.ParameterCount, 17));
        return new Checkpoint(parameters, FloatSemantics.FtzElementwise, "bp", "ftz-aware", 42, 1234,
            withAdam ? TestData.WideRange(Net.ParameterCount, 18) : null, withAdam ? TestData.WideRange(Net.ParameterCount, 19) : null)
        {
            Extra = new Dictionary<string, string> { ["epoch"] = "3" },
        };
    }

    private static byte[] Valid()
    {
        using var stream = new MemoryStream();
        string path = Path.Combine(Path.GetTempPath(), "cpulinear-valid-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            SafetensorsCheckpoint.Write(path, Sample(withAdam: false));
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The data of the sample network without Adam: W0 (7x5), b0 (5), W1 (5x3), b1 (3).</summary>
    private static byte[] ValidData()
    {
        float[] values = Sample(withAdam: false).Parameters.Values;
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    private static string ValidHeader((int Begin, int End)? overrideBias0 = null)
    {
        (int b, int e) = overrideBias0 ?? (140, 160);
        return "{\"__metadata__\":{\"widths\":\"7-5-3\",\"scale_exponent\":\"120\",\"semantics\":\"ftz-elementwise\",\"trainer\":\"bp\",\"seed\":\"1\",\"step\":\"0\"},"
            + "\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[7,5],\"data_offsets\":[0,140]},"
            + $"\"layers.0.bias\":{{\"dtype\":\"F32\",\"shape\":[5],\"data_offsets\":[{b},{e}]}},"
            + "\"layers.1.weight\":{\"dtype\":\"F32\",\"shape\":[5,3],\"data_offsets\":[160,220]},"
            + "\"layers.1.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[220,232]}}";
    }

    private static byte[] Build(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return file;
    }

    private static string Bits(float[] values) => string.Concat(values.Select(v => BitConverter.SingleToUInt32Bits(v).ToString("x8")));
}
