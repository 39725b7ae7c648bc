using System.Diagnostics;

namespace CpuLinear.Data;

/// <summary>
/// A lock on one dataset's cache entry, held by at most one process (and one thread) at a time: an exclusive
/// <see cref="FileStream"/> on <c>{cacheRoot}/.{name}.lock</c> (FileShare.None, which .NET maps to flock on
/// Unix and to a sharing lock on Windows). Two test processes, or a test run and a <c>cpulinear</c> command,
/// that fetch the same dataset at once therefore fetch it once: the second waits, then finds it installed.
/// </summary>
/// <remarks>
/// The lock file is never deleted: deleting it on release would let a third process lock a new file of the
/// same name while a second one still waits on (and then locks) the old one.
/// </remarks>
internal sealed class CacheLock : IDisposable
{
    private readonly FileStream _stream;

    private CacheLock(FileStream stream, string path)
    {
        _stream = stream;
        Path = path;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>
    /// Waits until the lock on <paramref name="name"/> is free and takes it; says once on <paramref name="log"/>
    /// that it is waiting.
    /// </summary>
    /// <exception cref="DataFetchException">The lock stayed taken for <paramref name="timeout"/>.</exception>
    public static CacheLock Acquire(string cacheRoot, string name, TextWriter log, TimeSpan timeout)
    {
        Directory.CreateDirectory(cacheRoot);
        string path = System.IO.Path.Combine(cacheRoot, $".{name}.lock");
        var clock = Stopwatch.StartNew();
        bool told = false;
        while (true)
        {
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
                return new CacheLock(stream, path);
            }
            catch (IOException ex) when (ex is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
            {
                if (clock.Elapsed >= timeout)
                {
                    throw new DataFetchException(
                        $"Another process has held the lock '{path}' on the {name} cache for {timeout.TotalMinutes:0} minutes " +
                        "(the operating system releases it when that process ends).", ex);
                }

                if (!told)
                {
                    log.WriteLine($"Waiting for another process that is fetching {name} (lock '{path}') ...");
                    told = true;
                }

                Thread.Sleep(200);
            }
        }
    }

    /// <summary>Releases the lock (the file stays, see the remarks).</summary>
    public void Dispose() => _stream.Dispose();
}
