namespace CpuLinear.Tests;

/// <summary>
/// A test class that works in its own folder under the system temp directory: xunit makes one instance per test,
/// so each test gets a fresh, unique folder, deleted with everything in it when the test ends.
/// </summary>
public abstract class TemporaryFolderTest : IDisposable
{
    /// <param name="prefix">Start of the folder's name, so a leftover folder says which tests made it.</param>
    protected TemporaryFolderTest(string prefix) =>
        Folder = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));

    /// <summary>The folder; it does not exist until a test creates it.</summary>
    protected string Folder { get; }

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }

        GC.SuppressFinalize(this);
    }
}
