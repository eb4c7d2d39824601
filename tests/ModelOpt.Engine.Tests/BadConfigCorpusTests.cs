using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.TestSupport;

namespace ModelOpt.Engine.Tests;

/// <summary>Every file of the broken-config corpus, through the engine API: exactly the stated errors, each at its line and column.</summary>
[TestClass]
public sealed class BadConfigCorpusTests
{
    [TestMethod]
    [DynamicData(nameof(BadConfigCorpus.Rows), typeof(BadConfigCorpus))]
    public void LoadReportsEveryStatedErrorAtItsPlace(string name)
    {
        var corpus = BadConfigCorpus.Named(name);
        var e = Assert.ThrowsExactly<ModelOptException>(() => OptimizeConfig.Load(corpus.Path));
        Assert.AreEqual(ErrorCode.InvalidConfig, e.Code);
        Assert.AreEqual(2, e.ExitCode);
        string all = e.ToString();
        Assert.AreEqual(corpus.Errors.Count, e.Errors.Count, all);
        foreach (var expected in corpus.Errors)
        {
            Assert.IsTrue(e.Errors.Any(error => error.Line == expected.Line && error.Column == expected.Column && error.Code.Text() == expected.Code
                && error.Message.Contains(expected.Fragment, StringComparison.Ordinal) && error.File == corpus.Path),
                $"expected ({expected.Line},{expected.Column}) {expected.Code} '{expected.Fragment}' in:\n{all}");
            StringAssert.Contains(all, $"{corpus.Path}({expected.Line},{expected.Column}): error {expected.Code}: ");
        }
        foreach (var also in corpus.Also) StringAssert.Contains(all, also, StringComparison.OrdinalIgnoreCase);
    }

    [TestMethod]
    public void TheCorpusCoversTheIssuesCrashes()
    {
        // {"passes": ["separable"], "separable": {"energy": "high"}} ended in exit 134; so did strings, fractions and huge ranks.
        var names = BadConfigCorpus.All.Select(c => c.Name).ToHashSet();
        foreach (var name in new[] { "energy-string.json", "rank-string.json", "rank-fractional.json", "rank-huge.json", "rank-negative.json", "typo-in-pass-not-run.json" })
            Assert.Contains(name, names);
    }
}
