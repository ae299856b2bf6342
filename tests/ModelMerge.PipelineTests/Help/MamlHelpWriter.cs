using System.Management.Automation;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ModelMerge.PipelineTests.Help;

/// <summary>
/// Builds the module's MAML help (what Get-Help reads) from the cmdlets as the engine sees
/// them — parameter sets, positions, pipeline binding — and the XML documentation comments on
/// the cmdlet classes and their parameter properties. Nothing is written by hand twice.
/// </summary>
public static partial class MamlHelpWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private static readonly HashSet<string> CommonParameters = new(
        [.. PSCmdlet.CommonParameters, .. PSCmdlet.OptionalCommonParameters], StringComparer.OrdinalIgnoreCase);

    public static string Write(IEnumerable<CmdletInfo> cmdlets, XDocument documentation)
    {
        var members = documentation.Descendants("member").ToDictionary(m => (string)m.Attribute("name")!, m => m);
        var root = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
            cmdlets.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => CommandElement(c, members)));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root).Declaration + "\n" + root.ToString() + "\n";
    }

    /// <summary>The documentation text of a cmdlet's parameter, searched up the class hierarchy; empty when undocumented.</summary>
    public static string ParameterDescription(CmdletInfo cmdlet, string parameter, IReadOnlyDictionary<string, XElement> members)
    {
        for (var type = cmdlet.ImplementingType; type is not null; type = type.BaseType)
            if (members.TryGetValue($"P:{type.FullName}.{parameter}", out var member))
                return Text(member.Element("summary"));
        return "";
    }

    public static (string Synopsis, string Description, IReadOnlyList<string> Examples) CmdletDocumentation(
        CmdletInfo cmdlet, IReadOnlyDictionary<string, XElement> members)
    {
        if (!members.TryGetValue($"T:{cmdlet.ImplementingType.FullName}", out var member)) return ("", "", []);
        var paras = member.Element("summary")?.Elements("para").ToList() ?? [];
        string Para(string kind) => Text(paras.FirstOrDefault(p => (string?)p.Attribute("type") == kind));
        var examples = member.Elements("example").Select(e => Text(e.Element("code") ?? e)).ToList();
        return (Para("synopsis"), Para("description"), examples);
    }

    private static XElement CommandElement(CmdletInfo cmdlet, IReadOnlyDictionary<string, XElement> members)
    {
        var (synopsis, description, examples) = CmdletDocumentation(cmdlet, members);
        var parameters = cmdlet.ParameterSets.SelectMany(s => s.Parameters)
            .Where(p => !CommonParameters.Contains(p.Name))
            .GroupBy(p => p.Name).Select(g => g.First()).ToList();
        var outputs = cmdlet.ImplementingType.GetCustomAttributes<OutputTypeAttribute>().SelectMany(a => a.Type).Select(t => t.Name).ToList();

        return new XElement(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml), new XAttribute(XNamespace.Xmlns + "command", Command), new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XElement(Command + "details",
                new XElement(Command + "name", cmdlet.Name),
                new XElement(Command + "verb", cmdlet.Verb),
                new XElement(Command + "noun", cmdlet.Noun),
                Description(synopsis)),
            Description(description),
            new XElement(Command + "syntax", cmdlet.ParameterSets.Select(set =>
                new XElement(Command + "syntaxItem",
                    new XElement(Maml + "name", cmdlet.Name),
                    set.Parameters.Where(p => !CommonParameters.Contains(p.Name)).Select(p => ParameterElement(p, null))))),
            new XElement(Command + "parameters", parameters.Select(p => ParameterElement(p, ParameterDescription(cmdlet, p.Name, members)))),
            new XElement(Command + "inputTypes", parameters.Where(p => p.ValueFromPipeline).Select(p =>
                new XElement(Command + "inputType", new XElement(Dev + "type", new XElement(Maml + "name", p.ParameterType.FullName))))),
            new XElement(Command + "returnValues", outputs.Select(name =>
                new XElement(Command + "returnValue", new XElement(Dev + "type", new XElement(Maml + "name", name))))),
            new XElement(Command + "examples", examples.Select((code, i) =>
                new XElement(Command + "example",
                    new XElement(Maml + "title", $"-------------------------- Example {i + 1} --------------------------"),
                    new XElement(Dev + "code", code),
                    new XElement(Dev + "remarks", new XElement(Maml + "para", ""))))));
    }

    private static XElement ParameterElement(CommandParameterInfo parameter, string? description)
    {
        bool isSwitch = parameter.ParameterType == typeof(SwitchParameter);
        string pipeline = (parameter.ValueFromPipeline, parameter.ValueFromPipelineByPropertyName) switch
        {
            (true, true) => "True (ByValue, ByPropertyName)",
            (true, false) => "True (ByValue)",
            (false, true) => "True (ByPropertyName)",
            _ => "False",
        };
        var element = new XElement(Command + "parameter",
            new XAttribute("required", parameter.IsMandatory ? "true" : "false"),
            new XAttribute("position", parameter.Position >= 0 ? parameter.Position.ToString() : "named"),
            new XAttribute("pipelineInput", pipeline),
            new XAttribute("globbing", "false"),
            new XElement(Maml + "name", parameter.Name));
        if (description is not null) element.Add(Description(description));
        if (!isSwitch) element.Add(new XElement(Command + "parameterValue", new XAttribute("required", "true"), parameter.ParameterType.Name));
        if (description is not null) element.Add(new XElement(Dev + "type", new XElement(Maml + "name", parameter.ParameterType.FullName)));
        return element;
    }

    private static XElement Description(string text) =>
        new(Maml + "description", text.Split("\n\n").Select(p => new XElement(Maml + "para", p)));

    /// <summary>A doc element's text with its inline tags flattened and whitespace collapsed.</summary>
    private static string Text(XElement? element)
    {
        if (element is null) return "";
        string flat = string.Concat(element.Nodes().Select(n => n switch
        {
            XText t => t.Value,
            XElement { Name.LocalName: "see" or "paramref" } e => ((string?)e.Attribute("cref") ?? (string?)e.Attribute("name") ?? e.Value).Split('.').Last(),
            XElement e => e.Value,
            _ => "",
        }));
        return Whitespace().Replace(flat, " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
