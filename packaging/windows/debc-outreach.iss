; Inno Setup script: installer for the Windows one-folder build.
;
;   py packaging\build.py                       (builds dist\debc-outreach\)
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" packaging\windows\debc-outreach.iss
;
; Writes dist\debc-outreach-<version>-windows-setup.exe. Installs per user by
; default (no administrator rights needed on a shared community-centre PC);
; "Install for all users" asks for rights. Data is never in the program
; folder: it goes to the user's AppData, unless the folder is used portably.

#define AppName "DEBC Outreach"
#define AppExe "debc-outreach.exe"
#define SourceDir "..\..\dist\debc-outreach"
; The version comes from the built program's version resource unless given with /DAppVersion=.
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(AddBackslash(SourcePath) + SourceDir + "\" + AppExe, "ProductVersion")
#endif

[Setup]
AppId={{6B0C8E2A-6F1D-4C4B-9E0B-5D3C1E7A9F21}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=DEBC Outreach project
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=debc-outreach-{#AppVersion}-windows-setup
SetupIconFile={#SourceDir}\_internal\debc-outreach.ico
UninstallDisplayIcon={app}\{#AppExe}
LicenseFile=..\licenses\GPL-3.0.txt
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
MinVersion=10.0

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs; Excludes: "portable,data\*"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
