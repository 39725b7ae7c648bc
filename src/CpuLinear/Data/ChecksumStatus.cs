namespace CpuLinear.Data;

/// <summary>How far the content of a dataset is vouched for.</summary>
public enum ChecksumStatus
{
    /// <summary>Loaded from files with no published checksum to compare against.</summary>
    Unverified,

    /// <summary>Every file's content MD5 matched the published value.</summary>
    Verified,

    /// <summary>Generated in memory from a seed; reproducible by construction, so there is nothing to check.</summary>
    Generated,
}
