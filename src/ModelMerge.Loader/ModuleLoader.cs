using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace ModelMerge.Loader;

/// <summary>
/// Keeps the module's dependencies (the engine assemblies, System.Numerics.Tensors and, later,
/// ILGPU) out of PowerShell's default load context, so another module that ships other
/// versions of them cannot break this one or be broken by it. The built module puts them in
/// a Dependencies folder; the first time the cmdlet assembly needs one, the default context
/// asks us and we load it, with everything it needs, into a context of our own. Without that
/// folder (tests, the in-process host) the default resolution applies unchanged.
/// </summary>
public sealed class ModuleLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DependencyFolder =
        Path.Combine(Path.GetDirectoryName(typeof(ModuleLoader).Assembly.Location)!, "Dependencies");

    private static readonly Lazy<DependencyLoadContext> Context = new(() => new DependencyLoadContext(DependencyFolder));

    public void OnImport()
    {
        if (Directory.Exists(DependencyFolder)) AssemblyLoadContext.Default.Resolving += Resolve;
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= Resolve;

    private static Assembly? Resolve(AssemblyLoadContext requester, AssemblyName name)
    {
        // Only the cmdlet assembly's own references are ours to answer.
        if (!File.Exists(Path.Combine(DependencyFolder, name.Name + ".dll"))) return null;
        return Context.Value.LoadFromAssemblyName(name);
    }

    private sealed class DependencyLoadContext(string folder) : AssemblyLoadContext("ModelMerge")
    {
        protected override Assembly? Load(AssemblyName name)
        {
            string path = Path.Combine(folder, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
