using System.Buffers.Binary;
using System.IO.Compression;

namespace CpuLinear.Tests.Data;

/// <summary>Builds small IDX files byte by byte, so every header field can be set to a wrong value on purpose.</summary>
internal sealed class IdxTestFiles : IDisposable
{
    public IdxTestFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "cpulinear-idx-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public static byte[] Images(int count, int rows, int columns, Func<int, byte>? pixel = null)
    {
        var bytes = new byte[16 + count * rows * columns];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        for (int i = 16; i < bytes.Length; i++)
        {
            bytes[i] = pixel?.Invoke(i - 16) ?? (byte)((i * 37) & 0xff);
        }

        return bytes;
    }

    public static byte[] Labels(int count, Func<int, byte>? label = null)
    {
        var bytes = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x00000801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        for (int i = 0; i < count; i++)
        {
            bytes[8 + i] = label?.Invoke(i) ?? (byte)(i % 10);
        }

        return bytes;
    }

    public static byte[] Gzip(byte[] content)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return memory.ToArray();
    }

    public string Write(string name, byte[] content)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
