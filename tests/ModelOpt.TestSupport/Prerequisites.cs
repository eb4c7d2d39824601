namespace ModelOpt.TestSupport;

/// <summary>
/// The one rule for tests that need something the repository does not hold (the PP-OCR models
/// eng/fetch-models.sh fetches, Chromium for the HTML report): on a developer's machine a missing
/// prerequisite makes the test inconclusive, with the reason; in CI (<c>CI=true</c>, as GitHub
/// Actions and .ci/run set it) it fails the test, so a broken fetch can never pass CI as skipped tests.
/// </summary>
public static class Prerequisites
{
    /// <summary>True when the <c>CI</c> environment variable is <c>true</c> (or <c>1</c>).</summary>
    public static bool InContinuousIntegration =>
        Environment.GetEnvironmentVariable("CI") is { } ci && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>The exception that stops a test whose prerequisite <paramref name="what"/> is unavailable.</summary>
    public static Exception Missing(string what, string reason) => InContinuousIntegration
        ? new AssertFailedException($"{what} is required in CI (CI=true) and is unavailable: {reason}")
        : new AssertInconclusiveException($"{what} is unavailable, so this test did not run: {reason}");

    /// <summary>A fetched real model's path (<see cref="RealModels"/>), or the test stops under the rule above.</summary>
    public static string RealModel(string fileName) =>
        RealModels.TryGetPath(fileName, out string reason) ?? throw Missing($"the real model {fileName} (eng/fetch-models.sh)", reason);

    /// <summary>A program the test runs (e.g. <c>/usr/bin/chromium</c>), or the test stops under the rule above.</summary>
    public static string Program(string path, string howToInstall) =>
        File.Exists(path) ? path : throw Missing(path, $"not installed ({howToInstall})");
}
