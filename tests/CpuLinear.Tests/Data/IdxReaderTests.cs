using System.Buffers.Binary;
using System.Security.Cryptography;
using CpuLinear.Data;

namespace CpuLinear.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loads_raw_and_gzip_content_identically(bool gzip)
    {
        byte[] images = IdxTestFiles.Images(3, 2, 4);
        byte[] labels = IdxTestFiles.Labels(3, i => (byte)(9 - i));
        // Names without any hint of compression: detection must come from the magic bytes.
        string imagesPath = _files.Write("imgs.bin", gzip ? IdxTestFiles.Gzip(images) : images);
        string labelsPath = _files.Write("lbls.bin", gzip ? IdxTestFiles.Gzip(labels) : labels);

        using LabeledImages data = IdxReader.Load(imagesPath, labelsPath);

        Assert.Equal(3, data.Count);
        Assert.Equal(2, data.Rows);
        Assert.Equal(4, data.Columns);
        Assert.Equal(8, data.Features);
        Assert.Equal(10, data.ClassCount);
        Assert.Equal(new byte[] { 9, 8, 7 }, data.Labels.ToArray());
        for (int i = 0; i < 24; i++)
        {
            Assert.Equal(BitConverter.SingleToUInt32Bits(images[16 + i] / 255f), BitConverter.SingleToUInt32Bits(data.Pixels[i]));
        }

        Assert.Equal(data.Pixels[8 + 5], data.PixelMatrix[1, 5]);
        Assert.Equal(data.Pixels.Slice(16, 8).ToArray(), data.GetRow(2).ToArray());
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(images)), data.Provenance.ImagesMd5);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(labels)), data.Provenance.LabelsMd5);
        Assert.Equal(ChecksumStatus.Unverified, data.Provenance.Checksum);
    }

    [Fact]
    public void Verifies_expected_checksums_and_rejects_a_mismatch_naming_file_and_both_md5s()
    {
        byte[] images = IdxTestFiles.Images(2, 1, 3);
        byte[] labels = IdxTestFiles.Labels(2);
        string imagesPath = _files.Write("i", images);
        string labelsPath = _files.Write("l", labels);
        string goodImages = Convert.ToHexStringLower(MD5.HashData(images));
        string goodLabels = Convert.ToHexStringLower(MD5.HashData(labels));

        using (LabeledImages ok = IdxReader.Load(imagesPath, labelsPath, 10, goodImages, goodLabels))
        {
            Assert.Equal(ChecksumStatus.Verified, ok.Provenance.Checksum);
        }

        string wrong = new('0', 32);
        var ex = Assert.Throws<ChecksumMismatchException>(() => IdxReader.Load(imagesPath, labelsPath, 10, goodImages, wrong));
        Assert.Contains(labelsPath, ex.Message);
        Assert.Contains($"expected MD5 {wrong}", ex.Message);
        Assert.Contains($"found {goodLabels}", ex.Message);
    }

    [Fact]
    public void Disposed_data_cannot_be_read()
    {
        LabeledImages data = IdxReader.Load(_files.Write("i", IdxTestFiles.Images(1, 1, 1)), _files.Write("l", IdxTestFiles.Labels(1)));
        data.Dispose();
        Assert.Throws<ObjectDisposedException>(() => data.Pixels.Length);
    }

    private IdxFormatException LoadFails(byte[] images, byte[] labels)
    {
        string imagesPath = _files.Write("images-" + Guid.NewGuid().ToString("N"), images);
        string labelsPath = _files.Write("labels-" + Guid.NewGuid().ToString("N"), labels);
        return Assert.Throws<IdxFormatException>(() => IdxReader.Load(imagesPath, labelsPath));
    }

    private static void AssertMessage(IdxFormatException ex, long offset, params string[] parts)
    {
        Assert.Contains(ex.FilePath, ex.Message);
        Assert.Equal(offset, ex.Offset);
        Assert.Contains($"at byte offset {offset}", ex.Message);
        foreach (string part in parts)
        {
            Assert.Contains(part, ex.Message);
        }
    }

    [Fact]
    public void Wrong_magic_names_expected_and_found()
    {
        byte[] labelsAsImages = IdxTestFiles.Labels(4);
        IdxFormatException ex = LoadFails(labelsAsImages, IdxTestFiles.Labels(4));
        // 0x00000801 has the right type byte but rank 1: reported as a wrong rank at byte 3.
        AssertMessage(ex, 3, "wrong rank", "expected 3 dimensions", "found 1");

        byte[] images = IdxTestFiles.Images(1, 2, 2);
        images[2] = 0x0D; // element type float instead of unsigned byte
        ex = LoadFails(images, IdxTestFiles.Labels(1));
        AssertMessage(ex, 0, "wrong magic number", "expected 0x00000803", "found 0x00000D03");
    }

    [Fact]
    public void Labels_with_image_rank_are_rejected()
    {
        byte[] labels = IdxTestFiles.Labels(1);
        labels[3] = 3;
        IdxFormatException ex = LoadFails(IdxTestFiles.Images(1, 1, 1), labels);
        AssertMessage(ex, 3, "wrong rank", "expected 1 dimension for a label file", "found 3");
    }

    [Fact]
    public void Truncated_header_is_reported()
    {
        IdxFormatException ex = LoadFails(IdxTestFiles.Images(1, 2, 2)[..10], IdxTestFiles.Labels(1));
        AssertMessage(ex, 10, "truncated header", "size of dimension 1", "expected 4 bytes", "found 2");

        ex = LoadFails([], IdxTestFiles.Labels(1));
        AssertMessage(ex, 0, "truncated header while reading the magic number", "found 0");
    }

    [Fact]
    public void Truncated_raw_data_is_reported_before_allocation()
    {
        byte[] images = IdxTestFiles.Images(5, 3, 3);
        IdxFormatException ex = LoadFails(images[..^7], IdxTestFiles.Labels(5));
        AssertMessage(ex, images.Length - 7, "truncated data", $"expected {images.Length} bytes", $"found {images.Length - 7} bytes");
    }

    [Fact]
    public void Truncated_gzip_data_is_reported_at_the_decompressed_offset()
    {
        byte[] images = IdxTestFiles.Images(5, 3, 3);
        IdxFormatException ex = LoadFails(IdxTestFiles.Gzip(images[..^7]), IdxTestFiles.Labels(5));
        AssertMessage(ex, images.Length - 7, "truncated data", $"expected {images.Length} bytes", $"found only {images.Length - 7} bytes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Trailing_garbage_is_reported(bool gzip)
    {
        byte[] labels = [.. IdxTestFiles.Labels(4), 1, 2, 3];
        IdxFormatException ex = LoadFails(IdxTestFiles.Images(4, 1, 1), gzip ? IdxTestFiles.Gzip(labels) : labels);
        AssertMessage(ex, 12, "trailing data after the last value", gzip ? "found at least 3 more bytes" : "found 3 more bytes");
    }

    [Fact]
    public void Count_mismatch_names_both_files()
    {
        IdxFormatException ex = LoadFails(IdxTestFiles.Images(4, 1, 1), IdxTestFiles.Labels(3));
        AssertMessage(ex, 4, "label count does not match the image count", "images-", "expected 4 labels", "found 3");
    }

    [Fact]
    public void Label_out_of_range_names_its_offset()
    {
        IdxFormatException ex = LoadFails(IdxTestFiles.Images(6, 1, 1), IdxTestFiles.Labels(6, i => i == 4 ? (byte)10 : (byte)1));
        AssertMessage(ex, 12, "label out of range", "expected a label in 0..9", "found 10");
    }

    [Fact]
    public void Overflowing_and_oversized_dimensions_are_rejected_without_allocating()
    {
        byte[] huge = IdxTestFiles.Images(0, 1, 1);
        BinaryPrimitives.WriteUInt32BigEndian(huge.AsSpan(4), uint.MaxValue);
        IdxFormatException ex = LoadFails(huge, IdxTestFiles.Labels(1));
        AssertMessage(ex, 4, "dimension size overflows", $"expected at most {int.MaxValue}", $"found {uint.MaxValue}");

        long before = GC.GetAllocatedBytesForCurrentThread();
        byte[] large = IdxTestFiles.Images(0, 1, 1);
        BinaryPrimitives.WriteInt32BigEndian(large.AsSpan(4), int.MaxValue);
        BinaryPrimitives.WriteInt32BigEndian(large.AsSpan(8), int.MaxValue);
        BinaryPrimitives.WriteInt32BigEndian(large.AsSpan(12), int.MaxValue);
        ex = LoadFails(large, IdxTestFiles.Labels(1));
        AssertMessage(ex, 4, "declared dimensions overflow", $"at most {IdxReader.MaxElements} values", "found 2147483647 x 2147483647 x 2147483647");

        BinaryPrimitives.WriteInt32BigEndian(large.AsSpan(4), 1 << 20);
        BinaryPrimitives.WriteInt32BigEndian(large.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(large.AsSpan(12), 28);
        ex = LoadFails(large, IdxTestFiles.Labels(1));
        AssertMessage(ex, 4, "declared dimensions are too large", "found 1048576 x 28 x 28 = 822083584");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void Gzip_header_declaring_more_than_deflate_can_hold_is_rejected()
    {
        byte[] images = IdxTestFiles.Images(1, 1, 1);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), 1 << 24);
        byte[] gz = IdxTestFiles.Gzip(images);
        IdxFormatException ex = LoadFails(gz, IdxTestFiles.Labels(1));
        AssertMessage(ex, 4, "cannot fit in this gzip file", $"from {gz.Length} compressed bytes", "16777216 x 1 x 1");
    }

    [Fact]
    public void Empty_image_dimensions_are_rejected()
    {
        IdxFormatException ex = LoadFails(IdxTestFiles.Images(3, 0, 5), IdxTestFiles.Labels(3));
        AssertMessage(ex, 8, "empty image dimensions", "found 0x5");
    }

    [Fact]
    public void Corrupt_deflate_stream_is_reported_as_an_idx_error()
    {
        byte[] gz = IdxTestFiles.Gzip(IdxTestFiles.Images(50, 4, 4));
        gz[10] = 0xff; // first byte of the deflate stream: block type 3 does not exist
        IdxFormatException ex = LoadFails(gz, IdxTestFiles.Labels(50));
        AssertMessage(ex, 0, "corrupt gzip stream");
        Assert.IsType<InvalidDataException>(ex.InnerException);
    }
}
