using System.Management.Automation;
using System.Xml.Linq;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests.Help;

/// <summary>
/// Every cmdlet and parameter is documented, and the shipped MAML file is what the current
/// cmdlets and comments produce. When a cmdlet changes, regenerate it with
/// MODELMERGE_UPDATE_HELP=1 dotnet test --filter FullyQualifiedName~HelpTests.
/// </summary>
public sealed class HelpTests : IDisposable
{
    private readonly PowerShellSession _session = new(Path.GetTempPath());

    private IReadOnlyList<CmdletInfo> Cmdlets() =>
        _session.Run("Get-Command -Module ModelMerge").Output.Select(o => (CmdletInfo)o.BaseObject).ToList();

    private static Dictionary<string, XElement> Members() =>
        XDocument.Load(Path.Combine(AppContext.BaseDirectory, "ModelMerge.xml")).Descendants("member")
            .ToDictionary(m => (string)m.Attribute("name")!, m => m);

    [Fact]
    public void Every_cmdlet_has_a_synopsis_a_description_and_an_example()
    {
        var members = Members();
        var cmdlets = Cmdlets();
        Assert.Equal(13, cmdlets.Count);
        foreach (var cmdlet in cmdlets)
        {
            var (synopsis, description, examples) = MamlHelpWriter.CmdletDocumentation(cmdlet, members);
            Assert.False(string.IsNullOrWhiteSpace(synopsis), $"{cmdlet.Name} has no synopsis");
            Assert.False(string.IsNullOrWhiteSpace(description), $"{cmdlet.Name} has no description");
            Assert.NotEmpty(examples);
        }
    }

    [Fact]
    public void Every_parameter_is_documented()
    {
        var members = Members();
        var undocumented = Cmdlets()
            .SelectMany(c => c.Parameters.Keys.Where(p => !PSCmdlet.CommonParameters.Contains(p) && !PSCmdlet.OptionalCommonParameters.Contains(p))
                .Where(p => string.IsNullOrWhiteSpace(MamlHelpWriter.ParameterDescription(c, p, members)))
                .Select(p => $"{c.Name} -{p}"))
            .ToList();
        Assert.Empty(undocumented);
    }

    [Fact]
    public void Shipped_help_file_matches_the_cmdlets()
    {
        string generated = MamlHelpWriter.Write(Cmdlets(), XDocument.Load(Path.Combine(AppContext.BaseDirectory, "ModelMerge.xml")));
        string shipped = Path.Combine(RepositoryRoot(), "src", "ModelMerge", "en-US", "ModelMerge.dll-Help.xml");
        if (Environment.GetEnvironmentVariable("MODELMERGE_UPDATE_HELP") == "1") File.WriteAllText(shipped, generated);
        Assert.True(File.Exists(shipped) && File.ReadAllText(shipped).ReplaceLineEndings("\n") == generated,
            $"{shipped} is out of date: run MODELMERGE_UPDATE_HELP=1 dotnet test tests/ModelMerge.PipelineTests --filter FullyQualifiedName~HelpTests");
    }

    [Fact]
    public void Get_Help_reads_the_shipped_file()
    {
        var help = Assert.Single(_session.Run("Get-Help Invoke-TiesMerge -Full").Output);
        Assert.Contains("TIES", help.Properties["Synopsis"].Value.ToString());
        var parameters = (PSObject)help.Properties["parameters"].Value;
        var density = ((object[])((PSObject)parameters).Properties["parameter"].Value).Cast<PSObject>()
            .Single(p => p.Properties["name"].Value.ToString() == "Density");
        Assert.Contains("0.2", density.Properties["description"].Value is object[] d ? ((PSObject)d[0]).Properties["Text"].Value.ToString() : "");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ModelMerge.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("ModelMerge.sln not found above the test output folder.");
    }

    public void Dispose() => _session.Dispose();
}
