using CpuLinear.Data;

namespace CpuLinear.Tests.Data;

public sealed class FashionMnistRealDataTests
{
    [Fact]
    public void Fashion_mnist_loads_through_the_catalogue_with_verified_content()
    {
        // The route the commands take: the cache, else the Debian package's folder when installed, else a fetch
        // of the Debian package into the cache (apt-get download; see DebianPackageFetcher).
        DatasetSplits fashion = RealDataRequirement.Load(
            "fashion-mnist", "Fashion-MNIST could not be fetched: `dotnet run --project src/CpuLinear.Cli -c Release -- data fetch fashion-mnist` shows why.");
        using (fashion)
        {
            string cache = Datasets.CacheDirectory("fashion-mnist");
            Assert.True(
                fashion.Train.Provenance.Description.StartsWith($"cache {cache}", StringComparison.Ordinal)
                || fashion.Train.Provenance.Description.StartsWith("system package folder /usr/share/datasets/fashion-mnist", StringComparison.Ordinal),
                fashion.Train.Provenance.Description);
            Assert.EndsWith(".gz", fashion.Train.Provenance.ImagesPath);
            Assert.Equal(ChecksumStatus.Verified, fashion.Train.Provenance.Checksum);
            Assert.Equal(KnownDataset.FashionMnist.TrainImages.ContentMd5, fashion.Train.Provenance.ImagesMd5);
            Assert.Equal(ChecksumStatus.Verified, fashion.Test.Provenance.Checksum);
            Assert.Equal((60000, 784), (fashion.Train.Count, fashion.Train.Features));
            Assert.Equal((10000, 784), (fashion.Test.Count, fashion.Test.Features));
            Assert.All(fashion.Train.CountPerClass(), c => Assert.Equal(6000, c));
            Assert.All(fashion.Test.CountPerClass(), c => Assert.Equal(1000, c));
            // From a hex dump of the decompressed files: first labels 9 (ankle boot) and 9; image 0's first
            // non-zero pixels are bytes 96 (1) and 99 (13).
            Assert.Equal(new byte[] { 9, 0, 0, 3, 0, 2, 7, 2, 5, 5 }, fashion.Train.Labels[..10].ToArray());
            Assert.Equal(new byte[] { 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 }, fashion.Test.Labels[..10].ToArray());
            Assert.Equal(0f, fashion.Train.GetRow(0)[95]);
            Assert.Equal(1f / 255f, fashion.Train.GetRow(0)[96]);
            Assert.Equal(13f / 255f, fashion.Train.GetRow(0)[99]);
        }
    }
}
