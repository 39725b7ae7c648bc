using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using CommunityToolkit.HighPerformance.Buffers;

namespace CpuLinear.Data;

/// <summary>
/// Reads IDX image files (magic 0x00000803: unsigned bytes, 3 dimensions) and label files (0x00000801) as
/// published for MNIST and Fashion-MNIST, raw or gzip-compressed.
/// </summary>
/// <remarks>
/// Each file is read exactly once: the header and body stream through an MD5 hash and are converted to
/// float32 (pixel / 255f) chunk by chunk, so a 47 MB file never exists twice in memory. Gzip is detected by
/// its magic bytes 1f 8b, never by the file name, because users rename files freely.
/// Sizes declared in a header are checked (checked long arithmetic, a cap of <see cref="MaxElements"/>, and
/// the physical file length) before anything is allocated, so a corrupt header cannot make us allocate
/// gigabytes. Every malformation raises <see cref="IdxFormatException"/>.
/// </remarks>
public static class IdxReader
{
    /// <summary>Largest number of values (pixels or labels) one file may declare: 2^28, i.e. 1 GiB of float32.</summary>
    public const long MaxElements = 1L << 28;

    /// <summary>The MNIST/Fashion-MNIST label alphabet size.</summary>
    public const int DefaultClassCount = 10;

    internal const int ImageMagic = 0x00000803;
    internal const int LabelMagic = 0x00000801;

    // Deflate cannot expand more than 1032:1 (a 258-byte match costs at least 2 bits), so a gzip file of n
    // bytes can never decompress to more than 1032 n bytes. This bounds what a compressed header may
    // declare without decompressing the whole file first.
    private const long DeflateMaxExpansion = 1032;
    private const int ChunkBytes = 1 << 16;

    /// <summary>
    /// Loads an image file and its label file into one <see cref="LabeledImages"/>, optionally verifying the
    /// MD5 of each file's decompressed IDX content.
    /// </summary>
    /// <param name="imagesPath">IDX3 image file, raw or gzip.</param>
    /// <param name="labelsPath">IDX1 label file, raw or gzip, with the same count.</param>
    /// <param name="classCount">Every label must be below this.</param>
    /// <param name="expectedImagesMd5">Published content MD5 of the images, or null to skip verification.</param>
    /// <param name="expectedLabelsMd5">Published content MD5 of the labels, or null to skip verification.</param>
    /// <param name="description">Origin recorded in <see cref="LabeledImages.Provenance"/>.</param>
    /// <exception cref="IdxFormatException">Either file is malformed, or the counts disagree.</exception>
    /// <exception cref="ChecksumMismatchException">A content MD5 differs from the expected value.</exception>
    /// <exception cref="IOException">A file cannot be opened or read.</exception>
    public static LabeledImages Load(
        string imagesPath,
        string labelsPath,
        int classCount = DefaultClassCount,
        string? expectedImagesMd5 = null,
        string? expectedLabelsMd5 = null,
        string description = "IDX files")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, 256);
        ImageContent images = ReadImages(imagesPath);
        try
        {
            (byte[] labels, string labelsMd5) = ReadLabels(labelsPath, images.Count, imagesPath, classCount);
            Verify(imagesPath, expectedImagesMd5, images.Md5);
            Verify(labelsPath, expectedLabelsMd5, labelsMd5);
            ChecksumStatus status = expectedImagesMd5 is not null && expectedLabelsMd5 is not null
                ? ChecksumStatus.Verified
                : ChecksumStatus.Unverified;
            var provenance = new DataProvenance(
                description, Path.GetFullPath(imagesPath), Path.GetFullPath(labelsPath), images.Md5, labelsMd5, status);
            return new LabeledImages(images.Pixels, labels, images.Rows, images.Columns, classCount, provenance);
        }
        catch
        {
            images.Pixels.Dispose();
            throw;
        }
    }

    private static void Verify(string path, string? expected, string found)
    {
        if (expected is not null && !string.Equals(expected, found, StringComparison.OrdinalIgnoreCase))
        {
            throw new ChecksumMismatchException(path, expected.ToLowerInvariant(), found);
        }
    }

    internal readonly record struct ImageContent(MemoryOwner<float> Pixels, int Count, int Rows, int Columns, string Md5);

    internal static ImageContent ReadImages(string path)
    {
        using var content = IdxContent.Open(path);
        Span<int> dims = stackalloc int[3];
        content.ReadHeader(ImageMagic, "image", dims);
        int count = dims[0], rows = dims[1], columns = dims[2];
        if (rows == 0 || columns == 0)
        {
            throw new IdxFormatException(path, 8, "empty image dimensions", "rows and columns of at least 1", $"{rows}x{columns}");
        }

        long elements = content.CheckDeclaredSize(dims, headerBytes: 16);
        MemoryOwner<float> pixels = MemoryOwner<float>.Allocate((int)elements);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            Span<float> destination = pixels.Span;
            while (!destination.IsEmpty)
            {
                int n = content.ReadBody(chunk.AsSpan(0, Math.Min(ChunkBytes, destination.Length)), 16 + elements);
                // Exact division, not multiplication by 1/255f: it is correctly rounded on every ISA and matches
                // the conventional definition bit for bit.
                Span<float> target = destination[..n];
                TensorPrimitives.ConvertChecked<byte, float>(chunk.AsSpan(0, n), target);
                TensorPrimitives.Divide(target, 255f, target);
                destination = destination[n..];
            }

            content.EnsureEnd(chunk);
            return new ImageContent(pixels, count, rows, columns, content.FinishHash());
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    internal static (byte[] Labels, string Md5) ReadLabels(string path, int expectedCount, string imagesPath, int classCount)
    {
        using var content = IdxContent.Open(path);
        Span<int> dims = stackalloc int[1];
        content.ReadHeader(LabelMagic, "label", dims);
        if (dims[0] != expectedCount)
        {
            throw new IdxFormatException(
                path, 4, $"label count does not match the image count of '{imagesPath}'", $"{expectedCount} labels", $"{dims[0]}");
        }

        long elements = content.CheckDeclaredSize(dims, headerBytes: 8);
        var labels = new byte[elements];
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int filled = 0;
            while (filled < labels.Length)
            {
                Span<byte> target = labels.AsSpan(filled, Math.Min(ChunkBytes, labels.Length - filled));
                int n = content.ReadBody(target, 8 + elements);
                int bad = target[..n].IndexOfAnyInRange((byte)classCount, byte.MaxValue);
                if (bad >= 0)
                {
                    throw new IdxFormatException(
                        path, 8L + filled + bad, "label out of range", $"a label in 0..{classCount - 1}", $"{target[bad]}");
                }

                filled += n;
            }

            content.EnsureEnd(chunk);
            return (labels, content.FinishHash());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>
    /// The decompressed IDX byte stream of one file, with the running offset and MD5 that every error and
    /// checksum needs.
    /// </summary>
    private sealed class IdxContent : IDisposable
    {
        private readonly string _path;
        private readonly FileStream _file;
        private readonly Stream _stream;
        private readonly bool _compressed;
        private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        private long _offset;

        private IdxContent(string path, FileStream file, Stream stream, bool compressed)
        {
            _path = path;
            _file = file;
            _stream = stream;
            _compressed = compressed;
        }

        public static IdxContent Open(string path)
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            try
            {
                Span<byte> magic = stackalloc byte[2];
                int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
                file.Position = 0;
                bool gzip = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
                Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
                return new IdxContent(path, file, stream, gzip);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        /// <summary>Reads and validates the magic number and dimension sizes.</summary>
        public void ReadHeader(int expectedMagic, string kind, Span<int> dims)
        {
            Span<byte> word = stackalloc byte[4];
            ReadExactly(word, "magic number");
            int rank = expectedMagic & 0xff;
            string expected = $"0x{expectedMagic:X8} ({kind} file: unsigned bytes, {rank} dimension{(rank == 1 ? "" : "s")})";
            if (word[0] != 0 || word[1] != 0 || word[2] != 0x08)
            {
                string hint = _compressed ? "" : " (a compressed file that is not gzip?)";
                throw new IdxFormatException(_path, 0, "wrong magic number", expected, $"0x{BinaryPrimitives.ReadUInt32BigEndian(word):X8}{hint}");
            }

            if (word[3] != rank)
            {
                throw new IdxFormatException(_path, 3, "wrong rank", $"{rank} dimension{(rank == 1 ? "" : "s")} for a {kind} file", $"{word[3]}");
            }

            for (int i = 0; i < dims.Length; i++)
            {
                long at = _offset;
                ReadExactly(word, $"size of dimension {i}");
                uint size = BinaryPrimitives.ReadUInt32BigEndian(word);
                if (size > int.MaxValue)
                {
                    throw new IdxFormatException(_path, at, "dimension size overflows", $"at most {int.MaxValue}", $"{size}");
                }

                dims[i] = (int)size;
            }
        }

        /// <summary>
        /// Checks the declared dimensions against the cap and the physical file before anything is allocated,
        /// and returns the number of body bytes.
        /// </summary>
        public long CheckDeclaredSize(ReadOnlySpan<int> dims, int headerBytes)
        {
            long elements = 1;
            string declared = string.Join(" x ", dims.ToArray());
            try
            {
                foreach (int d in dims)
                {
                    elements = checked(elements * d);
                }
            }
            catch (OverflowException ex)
            {
                throw new IdxFormatException(_path, 4, "declared dimensions overflow", $"at most {MaxElements} values", declared, ex);
            }

            if (elements > MaxElements)
            {
                throw new IdxFormatException(_path, 4, "declared dimensions are too large", $"at most {MaxElements} values", $"{declared} = {elements}");
            }

            long total = headerBytes + elements;
            long fileLength = _file.Length;
            if (!_compressed && total > fileLength)
            {
                throw new IdxFormatException(_path, fileLength, "truncated data", $"{total} bytes for {declared} values", $"{fileLength} bytes");
            }

            if (!_compressed && total < fileLength)
            {
                throw new IdxFormatException(_path, total, "trailing data after the last value", "end of file", $"{fileLength - total} more bytes");
            }

            if (_compressed && total > fileLength * DeflateMaxExpansion)
            {
                throw new IdxFormatException(
                    _path, 4, "declared dimensions cannot fit in this gzip file",
                    $"at most {fileLength * DeflateMaxExpansion} decompressed bytes from {fileLength} compressed bytes (deflate expands at most 1032:1)",
                    $"{declared} = {total} bytes");
            }

            return elements;
        }

        /// <summary>Reads between 1 and <paramref name="buffer"/>.Length body bytes; end of data is a truncation.</summary>
        public int ReadBody(Span<byte> buffer, long totalBytes)
        {
            int n = Read(buffer);
            if (n == 0)
            {
                throw new IdxFormatException(_path, _offset, "truncated data", $"{totalBytes} bytes", $"only {_offset} bytes");
            }

            return n;
        }

        /// <summary>The content must end exactly after the last declared value.</summary>
        public void EnsureEnd(byte[] scratch)
        {
            long end = _offset;
            int extra = Read(scratch.AsSpan(0, Math.Min(scratch.Length, 4096)));
            if (extra > 0)
            {
                throw new IdxFormatException(_path, end, "trailing data after the last value", "end of data", $"at least {extra} more bytes");
            }
        }

        public string FinishHash() => Convert.ToHexStringLower(_md5.GetHashAndReset());

        private void ReadExactly(Span<byte> buffer, string what)
        {
            int filled = 0;
            while (filled < buffer.Length)
            {
                int n = Read(buffer[filled..]);
                if (n == 0)
                {
                    throw new IdxFormatException(_path, _offset, $"truncated header while reading the {what}", $"{buffer.Length} bytes", $"{filled}");
                }

                filled += n;
            }
        }

        private int Read(Span<byte> buffer)
        {
            int n;
            try
            {
                n = _stream.Read(buffer);
            }
            catch (InvalidDataException ex)
            {
                // Raised by GZipStream for a corrupt deflate stream or gzip header.
                throw new IdxFormatException(_path, _offset, "corrupt gzip stream", "valid deflate data", ex.Message, ex);
            }

            _md5.AppendData(buffer[..n]);
            _offset += n;
            return n;
        }

        public void Dispose()
        {
            _md5.Dispose();
            if (_compressed)
            {
                _stream.Dispose();
            }

            _file.Dispose();
        }
    }
}
