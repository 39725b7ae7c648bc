namespace CpuLinear.Data;

/// <summary>
/// Fetches a dataset's four .gz IDX files over HTTPS from where its authors publish them: the route on machines
/// without Debian's package (macOS, Windows, other Linux distributions). The files are staged, their content
/// MD5s checked and only then renamed into the cache, so a broken download leaves nothing behind.
/// </summary>
internal static class UpstreamFetcher
{
    /// <summary>Overrides the base URL of Fashion-MNIST's files (a mirror, or a local server in tests).</summary>
    public const string FashionMnistUrlVariable = "CPULINEAR_FASHION_MNIST_URL";

    /// <summary>Where Fashion-MNIST's authors publish the four files.</summary>
    public const string FashionMnistUrl = "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/";

    /// <summary>The base URL to use: the environment variable's when set, else the authors'.</summary>
    public static string FashionMnistBaseUrl =>
        Environment.GetEnvironmentVariable(FashionMnistUrlVariable) is { Length: > 0 } url ? url : FashionMnistUrl;

    /// <summary>Downloads <c>BASE/NAME.gz</c> for each of the dataset's files, verifies and installs them in the cache.</summary>
    /// <exception cref="DataFetchException">A download fails (the URL and the reason are named).</exception>
    public static void Fetch(KnownDataset dataset, string cacheRoot, string baseUrl, TextWriter log, TimeSpan timeout)
    {
        string root = baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/";
        using var http = new HttpClient { Timeout = timeout };
        CacheInstaller.InstallStaged(dataset, cacheRoot, log, (_, data) =>
        {
            Directory.CreateDirectory(data);
            foreach (IdxFileSpec file in dataset.Files)
            {
                string name = file.CanonicalName + ".gz";
                var url = new Uri(root + name);
                log.WriteLine($"Downloading {url} ...");
                try
                {
                    using HttpResponseMessage response = http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new DataFetchException($"Downloading {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
                    }

                    using Stream body = response.Content.ReadAsStream();
                    using FileStream target = File.Create(Path.Combine(data, name));
                    body.CopyTo(target);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    throw new DataFetchException($"Downloading {url} failed: {ex.Message}", ex);
                }
            }
        });
    }
}
