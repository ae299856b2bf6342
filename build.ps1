<#
.SYNOPSIS
    Builds the ModelMerge module into ./out/ModelMerge (ready for Import-Module).
.PARAMETER Configuration
    Release (default) or Debug.
.PARAMETER Test
    Also runs the test suites (xunit, then Pester when pwsh has it).
#>
[CmdletBinding()]
param(
    [ValidateSet('Release', 'Debug')] [string] $Configuration = 'Release',
    [switch] $Test
)

$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$module = Join-Path $out 'ModelMerge'

if (Test-Path $module) { Remove-Item $module -Recurse -Force }
dotnet publish (Join-Path $root 'src/ModelMerge/ModelMerge.csproj') -c $Configuration -o $module --nologo
if ($LASTEXITCODE) { throw "dotnet publish failed ($LASTEXITCODE)" }
# Everything but the cmdlet assembly loads into the module's own context (see ModuleLoader.cs),
# so it lives apart, where PowerShell's default resolution does not look.
$dependencies = New-Item -ItemType Directory (Join-Path $module 'Dependencies')
Get-ChildItem $module -File | Where-Object { $_.Extension -in '.dll', '.pdb' -and $_.BaseName -notin 'ModelMerge', 'ModelMerge.Loader' } |
    Move-Item -Destination $dependencies
# The Pester suite generates its checkpoints with the test-data generator; it is not part of the module.
dotnet publish (Join-Path $root 'tests/TestData/ModelMerge.TestData.csproj') -c $Configuration -o (Join-Path $out 'TestData') --nologo
if ($LASTEXITCODE) { throw "dotnet publish of the test-data generator failed ($LASTEXITCODE)" }
Write-Host "Module built: $module (Import-Module $module)"

if ($Test) {
    dotnet test (Join-Path $root 'ModelMerge.sln') -c $Configuration --filter 'FullyQualifiedName!~ModelMerge.Tests.Gpu'
    if ($LASTEXITCODE) { throw "dotnet test failed ($LASTEXITCODE)" }
    dotnet test (Join-Path $root 'tests/ModelMerge.Tests') -c $Configuration --no-build --filter 'FullyQualifiedName~ModelMerge.Tests.Gpu'
    if ($LASTEXITCODE) { throw "dotnet test of the GPU-simulator tier failed ($LASTEXITCODE)" }
    Invoke-Pester (Join-Path $root 'tests/pester') -CI
}
